"""sort/argsort/topk, flip/roll/repeat/tile, tril/triu and randperm/multinomial: values, indices and
gradients against PyTorch, float64 gradchecks, NaN ordering, dtypes, errors, and sampling statistics."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, check_op, requires_torch, torch

NAN, INF = float("nan"), float("inf")


# ---------------------------------------------------------------------------------------------
# sort, argsort, topk

@pytest.mark.parametrize("dim, descending", [(-1, False), (0, True), (1, False), (2, True)])
def test_sort_gradient_and_parity(dim, descending):
    check_op(lambda x: cr.sort(x, dim, descending).values, [(3, 4, 5)],
             lambda x: torch.sort(x, dim, descending).values)


@pytest.mark.parametrize("k, dim, largest", [(2, -1, True), (3, 0, False), (1, 1, True), (0, -1, True)])
def test_topk_gradient_and_parity(k, dim, largest):
    check_op(lambda x: x.topk(k, dim, largest).values, [(4, 5)], lambda x: x.topk(k, dim, largest).values)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_sort_values_and_indices_match_torch(dtype):
    rng = np.random.default_rng(0)
    data = rng.integers(-3, 4, size=(4, 7)) if dtype != "bool" else rng.integers(0, 2, size=(4, 7)) == 1
    ours, theirs = cr.tensor(data).to(getattr(cr, dtype)), torch.tensor(data).to(getattr(torch, dtype))
    for dim in (0, 1, -1):
        for descending in (False, True):
            got, want = ours.sort(dim, descending), theirs.sort(stable=True, dim=dim, descending=descending)
            assert type(got).__name__ == "sort" and got._fields == ("values", "indices")
            assert_close(got.values, want.values.numpy())
            assert_close(got.indices, want.indices.numpy())  # ties keep their order (stable)
            assert_close(cr.argsort(ours, dim, descending), want.indices.numpy())


@requires_torch
def test_nan_sorts_as_largest():
    data = [3.0, NAN, 1.0, -INF, INF, NAN, 0.0]
    for descending in (False, True):
        got = cr.sort(cr.tensor(data), descending=descending)
        want = torch.sort(torch.tensor(data), descending=descending, stable=True)
        assert_close(got.values, want.values.numpy())
        assert_close(got.indices, want.indices.numpy())
    for largest in (False, True):
        got, want = cr.topk(cr.tensor(data), 3, largest=largest), torch.topk(torch.tensor(data), 3, largest=largest)
        assert_close(got.values, want.values.numpy())
        assert_close(got.indices, want.indices.numpy())


@requires_torch
def test_topk_int64_0d_and_empty():
    got = cr.tensor([1, 5, 3, 9]).topk(2)
    assert got.values.dtype == cr.int64 and got.values.tolist() == [9, 5] and got.indices.tolist() == [3, 1]
    zero_d = cr.sort(cr.tensor(2.5))
    assert zero_d.values.shape == () and zero_d.indices.item() == 0
    assert cr.tensor(2.5).topk(1).values.item() == 2.5
    empty = cr.zeros(3, 0).sort(1)
    assert empty.values.shape == (3, 0) and empty.indices.dtype == cr.int64
    assert cr.zeros(3, 4).topk(0).values.shape == (3, 0)


def test_sort_topk_errors():
    with pytest.raises(RuntimeError, match="topk.*k out of range"):
        cr.ones(3).topk(4)
    with pytest.raises(RuntimeError, match="topk.*k out of range"):
        cr.ones(3).topk(-1)
    with pytest.raises(RuntimeError, match="topk does not support bool"):
        cr.ones(3).bool().topk(1)
    with pytest.raises(IndexError):
        cr.ones(3).sort(1)


@pytest.mark.parametrize("k, dim, keepdim", [(1, -1, False), (3, 0, True), (4, 1, False)])
def test_kthvalue_gradient_and_parity(k, dim, keepdim):
    check_op(lambda x: x.kthvalue(k, dim, keepdim).values, [(4, 5)], lambda x: x.kthvalue(k, dim, keepdim).values)


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("dim, keepdim", [(0, False), (-1, True), (None, False)])
def test_median_gradient_and_parity(op, dim, keepdim):
    def call(x):
        out = getattr(x, op)() if dim is None else getattr(x, op)(dim, keepdim).values
        return out
    check_op(call, [(5, 4)], call)


@requires_torch
def test_kthvalue_and_median_indices_and_nan_match_torch():
    data = [[3.0, NAN, 1.0, NAN, 2.0], [4.0, 1.0, 2.0, 3.0, 0.0], [NAN, NAN, NAN, NAN, NAN], [5.0, 1.0, 4.0, 2.0, 8.0]]
    ours, theirs = cr.tensor(data), torch.tensor(data)
    for op in ("median", "nanmedian"):
        got, want = getattr(ours, op)(1), getattr(theirs, op)(1)
        assert type(got).__name__ == op
        assert_close(got.values, want.values.numpy())
        # an all-NaN row's nanmedian index is whatever PyTorch's selection leaves: rows 0, 1, 3 only
        assert_close(got.indices[[0, 1, 3]], want.indices[[0, 1, 3]].numpy())
        assert_close(getattr(ours, op)(), getattr(theirs, op)().numpy())
    for k in (1, 3, 5):
        got, want = ours.kthvalue(k, 1), theirs.kthvalue(k, 1)
        assert_close(got.values, want.values.numpy())
        assert_close(got.indices[[0, 1, 3]], want.indices[[0, 1, 3]].numpy())  # (ties in row 2)
    ints = [[7, 1, 5, 3], [2, 9, 4, 6]]
    got, want = cr.tensor(ints).median(1, keepdim=True), torch.tensor(ints).median(1, keepdim=True)
    assert got.values.dtype == cr.int64 and got.values.tolist() == want.values.tolist()
    assert got.indices.tolist() == want.indices.tolist()
    assert cr.tensor(3.0).median(0).indices.item() == 0 and cr.ones(0).median().item() != cr.ones(0).median().item()


def test_kthvalue_and_median_errors():
    with pytest.raises(RuntimeError, match="k out of range"):
        cr.ones(3).kthvalue(4)
    with pytest.raises(RuntimeError, match="k out of range"):
        cr.ones(3).kthvalue(0)
    with pytest.raises(IndexError, match="non-zero size"):
        cr.ones(3, 0).median(1)
    with pytest.raises(TypeError, match="keepdim=True needs a dim"):
        cr.ones(3).median(keepdim=True)


@pytest.mark.parametrize("op", ["quantile", "nanquantile"])
@pytest.mark.parametrize("q, dim, keepdim, interpolation", [
    (0.3, 1, False, "linear"), ([0.1, 0.5, 0.75], 0, True, "linear"), (0.6, None, False, "midpoint"),
    ([0.2, 0.9], -1, False, "lower"), (0.5, 1, True, "nearest"), (0.35, None, True, "higher")])
def test_quantile_gradient_and_parity(op, q, dim, keepdim, interpolation):
    def call(lib):
        def f(x):
            levels = lib.tensor(q, dtype=x.dtype) if isinstance(q, list) else q
            return getattr(lib, op)(x, levels, dim, keepdim, interpolation=interpolation)
        return f
    check_op(call(cr), [(4, 5)], call(torch) if torch is not None else None)


@requires_torch
def test_quantile_nan_and_interpolations_match_torch():
    data = [[1.0, 2.0, 3.0, 4.0], [4.0, NAN, 1.0, 2.0], [NAN] * 4, [INF, 1.0, -INF, 0.0]]
    for op in ("quantile", "nanquantile"):
        for interpolation in ("linear", "lower", "higher", "midpoint", "nearest"):
            for q in (0.0, 0.4, 1.0, [0.0, 0.125, 0.5, 0.9, 1.0]):
                for dim, keepdim in ((1, False), (0, True), (None, False), (None, True)):
                    got = getattr(cr, op)(cr.tensor(data), cr.tensor(q) if isinstance(q, list) else q, dim, keepdim,
                                          interpolation=interpolation)
                    want = getattr(torch, op)(torch.tensor(data), torch.tensor(q) if isinstance(q, list) else q, dim,
                                              keepdim, interpolation=interpolation)
                    assert_close(got, want.numpy())
    assert cr.tensor([3.0, 1.0, 2.0]).quantile(0.5).item() == 2.0


def test_quantile_errors():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(RuntimeError, match="float or double"):
        cr.quantile(x.long(), 0.5)
    with pytest.raises(RuntimeError, match=r"range \[0, 1\]"):
        cr.quantile(x, 1.5)
    with pytest.raises(RuntimeError, match="same dtype"):
        cr.quantile(x, cr.tensor([0.5], dtype=cr.float64))
    with pytest.raises(RuntimeError, match="non-empty"):
        cr.quantile(cr.ones(0), 0.5)
    with pytest.raises(RuntimeError, match="interpolation must be one of"):
        cr.quantile(x, 0.5, interpolation="foo")
    with pytest.raises(RuntimeError, match="scalar or 1D"):
        cr.quantile(x, cr.ones(1, 1) * 0.5)


@requires_torch
@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize_match_torch(right):
    rng = np.random.default_rng(3)
    seq = np.sort(rng.integers(0, 10, size=(3, 8)).astype(np.float64), axis=1)
    values = rng.integers(-1, 11, size=(3, 5)).astype(np.float64)  # ties with the sequence included
    cases = [(seq, values), (seq[0], values), (seq[0], values[0, 0]), (seq.astype(np.int64), values.astype(np.int64)),
             (np.array([1.0, NAN]), np.array([NAN, 2.0, 0.5]))]
    for s, v in cases:
        got = cr.searchsorted(cr.tensor(s), cr.tensor(v), right=right)
        want = torch.searchsorted(torch.tensor(s), torch.tensor(v), right=right)
        assert got.dtype == cr.int64
        assert_close(got, want.numpy())
        side = "right" if right else "left"
        assert_close(cr.searchsorted(cr.tensor(s), cr.tensor(v), side=side), want.numpy())
    assert cr.searchsorted(cr.tensor(seq[0]), 4.5, right=right).item() == torch.searchsorted(
        torch.tensor(seq[0]), 4.5, right=right).item()
    unsorted = rng.permutation(seq[0])
    sorter = np.argsort(unsorted, kind="stable")
    got = cr.searchsorted(cr.tensor(unsorted), cr.tensor(values[0]), right=right, sorter=cr.tensor(sorter))
    want = torch.searchsorted(torch.tensor(unsorted), torch.tensor(values[0]), right=right, sorter=torch.tensor(sorter))
    assert_close(got, want.numpy())
    boundaries = np.array([1.0, 3.0, 5.0, 7.0])
    assert_close(cr.bucketize(cr.tensor(values), cr.tensor(boundaries), right=right),
                 torch.bucketize(torch.tensor(values), torch.tensor(boundaries), right=right).numpy())


def test_searchsorted_errors():
    with pytest.raises(RuntimeError, match="first N-1 dimensions"):
        cr.searchsorted(cr.ones(2, 4), cr.ones(3, 1))
    with pytest.raises(RuntimeError, match="positive dimension"):
        cr.searchsorted(cr.tensor(1.0), cr.ones(1))
    with pytest.raises(RuntimeError, match="opposites"):
        cr.searchsorted(cr.ones(2), cr.ones(1), right=True, side="left")
    with pytest.raises(RuntimeError, match="sorter index out of range"):
        cr.searchsorted(cr.ones(2), cr.ones(1), sorter=cr.tensor([0, 5]))
    with pytest.raises(RuntimeError, match="boundaries tensor must be 1 dimension"):
        cr.bucketize(cr.ones(1), cr.ones(2, 2))


@pytest.mark.parametrize("index, dim", [([[0], [2], [1]], 1), ([[1, 0, 2, 0]], 0), ([5, 0, 11], None),
                                        ([[[0, 3]], [[1, 1]]], -1)])
def test_take_along_dim(index, dim):
    # dim=None: a 1-d input, since PyTorch's view(-1) refuses the transposed copy check_op also tries
    shape = {-1: (2, 3, 4), None: (12,)}.get(dim, (3, 4))
    check_op(lambda x: cr.take_along_dim(x, cr.tensor(index), dim), [shape],
             (lambda x: torch.take_along_dim(x, torch.tensor(index), dim)) if torch is not None else None)


def test_take_along_dim_pairs_with_argsort_and_checks_its_indices():
    x = cr.randn(4, 6)
    order = x.argsort(dim=1)
    assert_close(x.take_along_dim(order, dim=1), x.sort(dim=1).values.numpy())
    with pytest.raises(RuntimeError, match="should be Long"):
        cr.take_along_dim(x, order.float(), 1)
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        cr.take_along_dim(x, cr.tensor([1]), 1)
    with pytest.raises(IndexError, match="out of bounds"):
        cr.take_along_dim(x, cr.tensor([[9]]), 1)


def test_sort_indices_carry_no_graph():
    x = cr.randn(5, requires_grad=True)
    values, indices = x.sort()
    assert values.requires_grad and not indices.requires_grad
    values.sum().backward()
    assert_close(x.grad, np.ones(5))


# ---------------------------------------------------------------------------------------------
# flip, roll, repeat, tile, tril, triu

@pytest.mark.parametrize("dims", [(0,), (1, 2), (-1, 0), ()])
def test_flip(dims):
    check_op(lambda x: cr.flip(x, dims), [(2, 3, 4)], lambda x: torch.flip(x, dims))


@pytest.mark.parametrize("shifts, dims", [(1, 0), (-2, 1), ((1, 3), (0, 1)), (5, None), ((2, -7), (1, 0))])
def test_roll(shifts, dims):
    check_op(lambda x: cr.roll(x, shifts, dims), [(3, 4)], lambda x: torch.roll(x, shifts, dims))


@pytest.mark.parametrize("sizes", [(2, 3), (1, 1), (2, 1, 3), (0, 2), (3, 1, 1, 2)])
def test_repeat(sizes):
    check_op(lambda x: x.repeat(*sizes), [(2, 3)] if len(sizes) >= 2 else [(3,)], lambda x: x.repeat(*sizes))


@pytest.mark.parametrize("dims", [(2,), (2, 3), (1, 2, 2)])
def test_tile(dims):
    check_op(lambda x: cr.tile(x, dims), [(2, 3)], lambda x: torch.tile(x, dims))


@pytest.mark.parametrize("op", ["tril", "triu"])
@pytest.mark.parametrize("shape, diagonal", [((4, 4), 0), ((3, 5), 1), ((2, 4, 3), -1), ((5, 2), 3)])
def test_tril_triu(op, shape, diagonal):
    check_op(lambda x: getattr(cr, op)(x, diagonal), [shape], lambda x: getattr(torch, op)(x, diagonal))


@requires_torch
def test_rearrange_methods_and_dtypes_match_torch():
    data = np.arange(24).reshape(2, 3, 4)
    for to in ("int64", "bool", "float32"):
        x, t = cr.tensor(data).to(getattr(cr, to)), torch.tensor(data).to(getattr(torch, to))
        assert_close(x.flip(0, 2), t.flip(0, 2).numpy())
        assert_close(x.flip([1]), t.flip([1]).numpy())
        assert_close(x.roll(3), t.roll(3).numpy())
        assert_close(x.roll((1, 1), (0, 2)), t.roll((1, 1), (0, 2)).numpy())
        assert_close(x.repeat((1, 2, 1)), t.repeat((1, 2, 1)).numpy())
        assert_close(x.tile(2), t.tile(2).numpy())
        assert_close(x.tril(1), t.tril(1).numpy())
        assert_close(x.triu(-1), t.triu(-1).numpy())
        assert x.repeat(1, 1, 1).dtype == x.dtype


@pytest.mark.parametrize("op", ["fliplr", "flipud", "msort"])
def test_flip_sides_and_msort(op):
    check_op(getattr(cr, op), [(3, 4, 2)], getattr(torch, op) if torch is not None else None)


@requires_torch
@pytest.mark.parametrize("op", ["tril_indices", "triu_indices"])
@pytest.mark.parametrize("rows, cols, offset", [(3, 3, 0), (3, 4, 1), (4, 3, -1), (0, 3, 0), (2, 5, 7), (5, 2, -9)])
def test_triangle_indices_match_torch(op, rows, cols, offset):
    got, want = getattr(cr, op)(rows, cols, offset), getattr(torch, op)(rows, cols, offset)
    assert got.dtype == cr.int64
    assert_close(got, want.numpy())


def test_repeat_is_a_copy():
    x = cr.ones(2, 2)
    y = x.repeat(1, 1)
    y[0, 0] = 5
    assert x[0, 0].item() == 1


def test_tril_triu_in_place_with_grad():
    w = cr.randn(3, 3, dtype=cr.float64, requires_grad=True)
    y = w * 1
    y.tril_()
    y.sum().backward()
    assert_close(w.grad, np.tril(np.ones((3, 3))))
    z = cr.ones(2, 3, 3)
    assert z.triu_(1) is z and z.sum().item() == 6


def test_rearrange_errors():
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        cr.tril(cr.ones(3))
    with pytest.raises(RuntimeError, match="repeat dims .* can not be smaller"):
        cr.ones(3, 2).repeat(2)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align"):
        cr.roll(cr.ones(3, 2), (1, 2))
    with pytest.raises(RuntimeError, match="appears multiple times"):
        cr.flip(cr.ones(3, 2), (0, 0))
    with pytest.raises(IndexError):
        cr.flip(cr.ones(3, 2), (2,))
    with pytest.raises(RuntimeError, match="row must be non-negative"):
        cr.tril_indices(-1, 3)
    with pytest.raises(RuntimeError, match=">= 2-d"):
        cr.fliplr(cr.ones(3))
    with pytest.raises(RuntimeError, match=">= 1-d"):
        cr.flipud(cr.tensor(1.0))
    with pytest.raises(RuntimeError, match="not"):
        cr.randperm(3, device="cuda")
    for method in ("flip", "repeat", "tile"):
        with pytest.raises(TypeError, match="missing 1 required positional"):
            getattr(cr.ones(2), method)()


# ---------------------------------------------------------------------------------------------
# randperm, multinomial

def test_randperm_is_a_seeded_permutation():
    cr.manual_seed(7)
    a = cr.randperm(100)
    assert a.dtype == cr.int64 and sorted(a.tolist()) == list(range(100))
    cr.manual_seed(7)
    assert cr.randperm(100).tolist() == a.tolist()
    assert cr.randperm(100).tolist() != a.tolist()
    assert cr.randperm(0).shape == (0,)
    assert cr.randperm(5, dtype=cr.float32).dtype == cr.float32
    with pytest.raises(RuntimeError, match="randperm"):
        cr.randperm(-1)


def test_randperm_and_multinomial_with_generator():
    draws = []
    for _ in range(2):
        g = cr.Generator().manual_seed(3)
        draws.append((cr.randperm(20, generator=g).tolist(), cr.multinomial(cr.ones(10), 4, generator=g).tolist()))
    assert draws[0] == draws[1]
    g = cr.Generator().manual_seed(3)
    assert cr.randperm(20, generator=g).tolist() != cr.randperm(20, generator=g).tolist()  # the stream advances
    with pytest.raises(TypeError, match="Generator"):
        cr.randperm(3, generator=5)


@pytest.mark.parametrize("replacement", [True, False])
def test_multinomial_frequencies_follow_probabilities(replacement):
    probs = np.array([0.1, 0.2, 0.3, 0.4, 0.0])
    cr.manual_seed(0)
    n = 20000
    if replacement:
        samples = cr.multinomial(cr.tensor(probs), n, replacement=True).numpy()
    else:  # one draw per row: the first draw without replacement follows the probabilities
        samples = cr.tensor(np.tile(probs, (n, 1))).multinomial(1).numpy().ravel()
    counts = np.bincount(samples, minlength=5)
    assert counts[4] == 0
    expected = probs[:4] * n
    chi2 = ((counts[:4] - expected) ** 2 / expected).sum()
    assert chi2 < 20  # 3 degrees of freedom: p < 0.001 above 16.3


def test_multinomial_second_draw_follows_sequential_sampling():
    """Without replacement, draw 2 is category j with probability sum_i p_i * w_j / (W - w_i)."""
    w = np.array([1.0, 2.0, 3.0, 4.0])
    n = 20000
    cr.manual_seed(5)
    second = cr.tensor(np.tile(w, (n, 1))).multinomial(2).numpy()[:, 1]
    expected = np.array([sum(w[i] / w.sum() * w[j] / (w.sum() - w[i]) for i in range(4) if i != j) for j in range(4)])
    counts = np.bincount(second, minlength=4)
    chi2 = ((counts - expected * n) ** 2 / (expected * n)).sum()
    assert chi2 < 20  # 3 degrees of freedom: p < 0.001 above 16.3


def test_multinomial_without_replacement_is_distinct():
    cr.manual_seed(1)
    rows = cr.rand(50, 8, dtype=cr.float64).multinomial(8)
    assert rows.shape == (50, 8) and rows.dtype == cr.int64
    for row in rows.tolist():
        assert sorted(row) == list(range(8))
    # weight-0 categories come last, once the others are used up
    assert cr.multinomial(cr.tensor([0.0, 1.0, 0.0, 2.0]), 4)[:2].tolist() in ([1, 3], [3, 1])


@pytest.mark.parametrize("probs, num_samples, replacement, message", [
    ([1.0, -1.0], 1, False, "inf.*nan.*< 0"),
    ([1.0, INF], 1, True, "inf.*nan.*< 0"),
    ([1.0, NAN], 1, False, "inf.*nan.*< 0"),
    ([[1.0, 1.0], [0.0, 0.0]], 1, True, "sum of probabilities <= 0"),
    ([1.0, 1.0], 3, False, "n_sample > prob_dist.size"),
    ([1.0, 1.0], 0, True, "n_sample <= 0"),
    ([[[1.0]]], 1, True, "1 or 2 dim"),
    ([1, 2], 1, True, "floating-point"),
])
def test_multinomial_errors_match_torch(probs, num_samples, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        cr.multinomial(cr.tensor(probs), num_samples, replacement)
    if torch is not None:
        with pytest.raises(RuntimeError, match=message):
            torch.multinomial(torch.tensor(probs), num_samples, replacement)
