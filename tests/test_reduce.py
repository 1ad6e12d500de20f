"""Reductions and softmax against NumPy (random shapes, dims, keepdim, dtypes, non-contiguous
inputs) and PyTorch (max/min indices, var/std, norm, logsumexp, softmax), plus bad input."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.return_types
from conftest import assert_close, requires_torch, torch

LAYOUTS = ["contiguous", "permuted", "stepped", "expanded"]


def make(array, layout):
    """A chainrule tensor holding `array`'s values in the given memory layout."""
    if layout == "contiguous":
        return cr.tensor(array)
    if layout == "permuted":  # stored in reversed dim order, viewed back
        order = list(range(array.ndim))[::-1]
        return cr.tensor(np.ascontiguousarray(array.transpose(order))).permute(*order)
    if layout == "stepped":  # every other element of a tensor twice as long in the last dim
        wide = np.repeat(array, 2, axis=-1)
        base = cr.tensor(wide)
        strides = list(base.stride())
        strides[-1] *= 2
        return base.as_strided(array.shape, strides)
    if layout == "expanded":  # dim 0 broadcast from a single row
        return cr.tensor(array[:1]).expand(*array.shape)
    raise ValueError(layout)


def layout_values(array, layout):
    """The values `make(array, layout)` holds (expanded repeats the first row)."""
    return np.broadcast_to(array[:1], array.shape).copy() if layout == "expanded" else array


def random_array(shape, dtype, low=-3, high=4):
    if dtype == np.bool_:
        return np.random.rand(*shape) > 0.5
    if dtype == np.int64:
        return np.random.randint(low, high, size=shape).astype(np.int64)
    return np.random.randn(*shape).astype(dtype)


def np_axis(dim):
    """PyTorch's dim (None or () reduce everything) as a NumPy axis."""
    if dim is None or dim == ():
        return None
    return tuple(dim) if isinstance(dim, (tuple, list)) else dim


DIMS = [None, 0, -1, (0, 2), [1], (), (-1, 0, 1)]
DTYPES = [np.float32, np.float64, np.int64, np.bool_]


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_and_prod_match_numpy(layout, dtype, dim, keepdim):
    a = layout_values(random_array((3, 5, 4), dtype), layout)
    t = make(a, layout)
    got = t.sum(dim, keepdim)
    want = np.sum(a, axis=np_axis(dim), keepdims=keepdim)
    assert_close(got, want.astype(np.float64 if dtype == np.float64 else want.dtype), rtol=1e-5, atol=1e-5)
    assert got.dtype == (cr.int64 if dtype in (np.int64, np.bool_) else cr.dtype.float32 if dtype == np.float32 else cr.float64)
    small = layout_values((np.abs(random_array((3, 5, 4), dtype)) % 3 + 0.5).astype(dtype)
                          if dtype != np.bool_ else random_array((3, 5, 4), dtype), layout)
    assert_close(cr.prod(make(small, layout), dim, keepdim), np.prod(small, axis=np_axis(dim), keepdims=keepdim),
                 rtol=1e-5)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_mean_matches_numpy(layout, dim, keepdim):
    a = layout_values(random_array((4, 3, 6), np.float64), layout)
    assert_close(make(a, layout).mean(dim, keepdim=keepdim), np.mean(a, axis=np_axis(dim), keepdims=keepdim))
    i = cr.tensor(np.arange(6).reshape(2, 3))
    assert_close(i.mean(1, dtype=cr.float64), np.arange(6).reshape(2, 3).mean(1))


def test_random_shapes_and_dims():
    rng = np.random.default_rng(7)
    for _ in range(40):
        ndim = int(rng.integers(1, 5))
        shape = tuple(int(s) for s in rng.integers(1, 7, size=ndim))
        a = rng.standard_normal(shape)
        dims = tuple(int(d) for d in rng.choice(ndim, size=int(rng.integers(1, ndim + 1)), replace=False))
        dims = tuple(d - ndim if rng.random() < 0.5 else d for d in dims)
        t = make(a, "permuted")
        assert_close(t.sum(dims), a.sum(axis=dims))
        assert_close(t.amax(dims, True), a.max(axis=dims, keepdims=True))
        assert_close(t.amin(dims), a.min(axis=dims))
        with warnings.catch_warnings():  # NumPy warns when a dim of size 1 leaves no degree of freedom
            warnings.simplefilter("ignore", RuntimeWarning)
            assert_close(t.var(dims), a.var(axis=dims, ddof=1))


def test_large_float32_sums_are_accurate():
    a = np.random.rand(1 << 20).astype(np.float32)
    exact = a.astype(np.float64).sum()
    assert abs(cr.tensor(a).sum().item() - exact) / exact < 1e-6
    m = np.random.rand(1000, 1000).astype(np.float32)
    exact0, exact1 = m.astype(np.float64).sum(0), m.astype(np.float64).sum(1)
    assert_close(cr.tensor(m).sum(0), exact0, rtol=1e-6, atol=0)
    assert_close(cr.tensor(m).sum(1), exact1, rtol=1e-6, atol=0)
    assert_close(cr.tensor(m).t().sum(0), exact1, rtol=1e-6, atol=0)  # reduced dim is the strided one
    tall = np.random.rand(1 << 19, 3).astype(np.float32)  # long strided runs, split across threads
    assert_close(cr.tensor(tall).sum(0), tall.astype(np.float64).sum(0), rtol=1e-6, atol=0)


def test_empty_reductions():
    e = cr.zeros(0, 3)
    assert_close(e.sum(0), np.zeros(3))
    assert_close(e.prod(0), np.ones(3))
    assert_close(e.mean(0), np.full(3, np.nan))
    assert_close(e.sum(1), np.zeros(0))
    assert_close(e.amax(1), np.zeros(0))
    assert e.sum().item() == 0 and e.prod().item() == 1 and math.isnan(e.mean().item())
    assert e.all().item() is True and e.any().item() is False
    assert_close(cr.logsumexp(e, 0), np.full(3, -np.inf))


def test_zero_dim_tensors():
    s = cr.full((), 2.5)  # (cr.tensor(2.5) is 1-d in the core for now)
    assert s.sum().item() == 2.5 and s.sum(0).item() == 2.5 and s.mean(-1).item() == 2.5
    values, indices = s.max(0)
    assert values.item() == 2.5 and indices.item() == 0 and s.argmax().item() == 0
    assert s.softmax(0).item() == 1.0 and s.log_softmax(0).item() == 0.0
    assert s.amax().shape == () and s.sum(0, keepdim=True).shape == ()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_arg_match_numpy(layout, dtype):
    a = layout_values(random_array((6, 40, 7), dtype, 0, 5), layout)  # small ints: many ties
    t = make(a, layout)
    assert_close(t.max(), a.max())
    assert_close(t.min(), a.min())
    for dim in [0, 1, 2, -1]:
        for keepdim in [False, True]:
            values, indices = t.max(dim, keepdim)
            assert_close(values, a.max(axis=dim, keepdims=keepdim))
            assert_close(indices, np.argmax(a, axis=dim, keepdims=keepdim))  # first occurrence
            values, indices = t.min(dim=dim, keepdim=keepdim)
            assert_close(values, a.min(axis=dim, keepdims=keepdim))
            assert_close(indices, np.argmin(a, axis=dim, keepdims=keepdim))
            assert_close(t.argmax(dim, keepdim), np.argmax(a, axis=dim, keepdims=keepdim))
            assert_close(t.argmin(dim), np.argmin(a, axis=dim))
    assert t.argmax().item() == np.argmax(a) and t.argmin().item() == np.argmin(a)
    assert t.argmax(keepdim=True).shape == (1, 1, 1)
    assert_close(t.amax((0, 2)), a.max(axis=(0, 2)))
    assert_close(cr.amin(t, -1, keepdim=True), a.min(axis=-1, keepdims=True))


def test_max_returns_named_tuple_and_maximum():
    t = cr.tensor([[1.0, 5.0, 5.0], [7.0, 2.0, 0.0]])
    result = t.max(1)
    assert isinstance(result, tuple) and type(result).__name__ == "max"
    assert isinstance(result, cr.return_types.max)
    values, indices = result
    assert values.tolist() == [5.0, 7.0] and indices.tolist() == [1, 0]
    assert result.values.tolist() == [5.0, 7.0] and result.indices.dtype == cr.int64
    assert type(cr.min(t, 0)).__name__ == "min"
    other = cr.tensor([[3.0, 3.0, 3.0]])
    assert t.max(other).tolist() == [[3.0, 5.0, 5.0], [7.0, 3.0, 3.0]]
    assert cr.min(t, other=other).tolist() == [[1.0, 3.0, 3.0], [3.0, 2.0, 0.0]]


@requires_torch
def test_named_tuples_print_as_pytorchs_do():
    # the tutorials print `torch.max(x, 1)`: PyTorch lays it out one field a line under its qualified name
    a = np.array([[1.0, 5.0], [3.0, 2.0]], dtype=np.float32)
    for name, call in [("max", lambda lib, t: lib.max(t, 1)), ("aminmax", lambda lib, t: lib.aminmax(t)),
                       ("sort", lambda lib, t: t.sort(dim=0))]:
        ours, theirs = call(cr, cr.tensor(a)), call(torch, torch.tensor(a))
        assert repr(ours).replace("chainrule.", "torch.") == repr(theirs), name
        assert str(ours).replace("chainrule.", "torch.") == str(theirs), name

def test_nan_propagates_through_max_min_and_arg():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [4.0, 2.0, 0.0, 1.0]], dtype=np.float32)
    t = cr.tensor(a)
    assert math.isnan(t.max().item()) and math.isnan(t.min().item())
    values, indices = t.max(1)
    assert math.isnan(values.tolist()[0]) and indices.tolist() == [1, 0]
    assert t.argmin(1).tolist() == [1, 2]
    assert t.argmax().item() == 1
    assert_close(t.amax(0), np.array([4.0, np.nan, 3.0, np.nan]))
    assert_close(t.t().max(0).indices, np.array([1, 0]))  # the strided layout agrees


def test_all_any_match_numpy():
    for dtype in DTYPES:
        a = random_array((4, 5, 3), dtype, 0, 2)
        for layout in ["contiguous", "permuted"]:
            t = make(a, layout)
            for dim in [None, 0, (1, 2), -1]:
                assert_close(t.all(dim), np.all(a, axis=np_axis(dim)))
                assert_close(cr.any(t, dim, keepdim=True), np.any(a, axis=np_axis(dim), keepdims=True))


def test_cumsum_matches_numpy():
    for dtype in [np.float32, np.float64, np.int64, np.bool_]:
        a = random_array((4, 7, 3), dtype)
        for layout in ["contiguous", "permuted"]:
            for dim in [0, 1, -1]:
                got = make(a, layout).cumsum(dim)
                assert_close(got, np.cumsum(a, axis=dim), rtol=1e-5, atol=1e-5)
                assert got.dtype == (cr.int64 if dtype in (np.int64, np.bool_) else got.dtype)
    assert_close(cr.cumsum(cr.tensor([1, 2, 3]), 0, dtype=cr.float32), np.array([1.0, 3.0, 6.0]))


def test_var_std_forms():
    a = np.random.randn(5, 6)
    t = cr.tensor(a)
    assert_close(t.var(), a.var(ddof=1))
    assert_close(t.var(1), a.var(axis=1, ddof=1))
    assert_close(t.var(1, False), a.var(axis=1))            # (dim, unbiased)
    assert_close(t.var(1, True, True), a.var(axis=1, ddof=1, keepdims=True))
    assert_close(t.var(False), a.var())                      # (unbiased)
    assert_close(t.var(dim=0, unbiased=False), a.var(axis=0))
    assert_close(t.var(0, correction=0, keepdim=True), a.var(axis=0, keepdims=True))
    assert_close(cr.std(t, (0, 1), correction=2), np.sqrt(a.var(ddof=2)))
    assert_close(make(a, "permuted").std(0), a.std(axis=0, ddof=1))


def test_norm_matches_numpy():
    a = np.random.randn(4, 5)
    t = cr.tensor(a)
    assert_close(t.norm(), np.linalg.norm(a))
    assert_close(t.norm(1, 1), np.abs(a).sum(1))
    assert_close(t.norm(float("inf"), 0), np.abs(a).max(0))
    assert_close(t.norm(-math.inf, 1, keepdim=True), np.abs(a).min(1, keepdims=True))
    assert_close(t.norm(3, (0, 1)), (np.abs(a) ** 3).sum() ** (1 / 3))
    assert_close(cr.norm(t, 0), np.count_nonzero(a))
    assert_close(cr.norm(t, "fro", (0, 1)), np.linalg.norm(a))


def test_logsumexp_is_stable():
    a = np.array([[1000.0, 1000.0], [-1000.0, -1001.0], [-np.inf, -np.inf]])
    got = cr.tensor(a).logsumexp(1)
    assert_close(got, np.array([1000 + np.log(2), -1000 + np.log1p(np.exp(-1.0)), -np.inf]))
    b = np.random.randn(3, 4, 5)
    assert_close(cr.logsumexp(make(b, "permuted"), (0, 2), keepdim=True),
                 np.log(np.exp(b).sum(axis=(0, 2), keepdims=True)))
    assert_close(cr.logsumexp(cr.tensor([1, 2]), 0), np.log(np.e + np.e ** 2), rtol=1e-6)


def np_softmax(a, axis):
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_and_log_softmax_match_numpy(layout, dtype):
    a = layout_values((random_array((3, 70, 9), dtype) * 5).astype(dtype), layout)
    t = make(a, layout)
    for dim in [0, 1, 2, -1]:
        want = np_softmax(a.astype(np.float64), dim)
        assert_close(t.softmax(dim), want, rtol=1e-5, atol=1e-7)
        assert_close(cr.log_softmax(t, dim), np.log(want), rtol=1e-5, atol=1e-5)
    assert t.softmax(0).dtype == t.dtype


def test_softmax_extremes():
    a = np.array([[1000.0, 1000.0, -np.inf], [-1e30, 0.0, 88.0], [np.nan, 1.0, 2.0]], dtype=np.float32)
    got = cr.tensor(a).softmax(1).numpy()
    np.testing.assert_allclose(got[0], [0.5, 0.5, 0.0])
    np.testing.assert_allclose(got[1], np_softmax(np.array([-1e30, 0.0, 88.0]), 0), rtol=1e-6, atol=1e-30)
    assert np.isnan(got[2]).all()
    assert cr.tensor(a).log_softmax(1).tolist()[0] == pytest.approx([-math.log(2), -math.log(2), -math.inf])
    assert cr.softmax(cr.tensor([1, 2]), 0, dtype=cr.float64).dtype == cr.float64
    assert cr.zeros(0, 4).softmax(1).shape == (0, 4)


def test_exp_approximation_over_the_float_range():
    x = np.linspace(-87, 0, 200001, dtype=np.float32)
    got = cr.tensor(x).unsqueeze(0).softmax(0)  # one element per row: exactly 1
    assert (got.numpy() == 1).all()
    col = np.stack([x, np.zeros_like(x)])  # softmax over a pair: e^x / (e^x + 1)
    want = 1 / (1 + np.exp(-x.astype(np.float64)))
    assert_close(cr.tensor(col).softmax(0).select(0, 0), want, rtol=2e-6, atol=1e-38)


# ---- PyTorch cross-checks ------------------------------------------------------------------

@requires_torch
def test_max_min_indices_match_torch():
    a = np.random.randint(0, 4, size=(5, 33, 6)).astype(np.float32)
    a[1, 3, 2] = np.nan
    a[4, :, 0] = np.nan
    for dim in [0, 1, 2]:
        for fn in ["max", "min"]:
            want = getattr(torch.from_numpy(a), fn)(dim)
            got = getattr(make(a, "permuted"), fn)(dim)
            assert_close(got.values, want.values.numpy())
            np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())
        np.testing.assert_array_equal(cr.tensor(a).argmax(dim).numpy(), torch.from_numpy(a).argmax(dim).numpy())


@requires_torch
@pytest.mark.parametrize("correction", [0, 1, 2.5])
def test_var_std_match_torch(correction):
    a = np.random.randn(4, 6, 5)
    for dim in [None, 1, (0, 2)]:
        for name in ["var", "std"]:
            want = getattr(torch.from_numpy(a), name)(dim, correction=correction, keepdim=True).numpy()
            assert_close(getattr(cr.tensor(a), name)(dim, correction=correction, keepdim=True), want)
    assert_close(cr.tensor(a).var(1, False, True), torch.from_numpy(a).var(1, False, True).numpy())


@requires_torch
@pytest.mark.parametrize("p", ["fro", 1, 2, 3, 0.5, 0, math.inf, -math.inf])
def test_norm_matches_torch(p):
    a = np.random.randn(3, 4, 5).astype(np.float32)
    a[0, 0, 0] = 0
    for dim in [None, 1, (0, 2)]:
        if p == "fro" and isinstance(dim, int):
            continue
        want = torch.from_numpy(a).norm(p, dim).numpy()
        assert_close(cr.tensor(a).norm(p, dim), want, rtol=1e-5, atol=1e-5)


@requires_torch
def test_logsumexp_softmax_match_torch():
    a = (np.random.randn(4, 50, 3) * 30).astype(np.float32)
    a[0, :, 0] = -np.inf
    a[1, 2, 1] = np.inf
    x = torch.from_numpy(a)
    for dim in [0, 1, 2, (0, 1)]:
        assert_close(cr.tensor(a).logsumexp(dim), torch.logsumexp(x, dim).numpy(), rtol=1e-5, atol=1e-5)
    finite = a.copy()
    finite[~np.isfinite(finite)] = 0
    xf = torch.from_numpy(finite)
    for dim in [0, 1, -1]:
        assert_close(cr.tensor(finite).softmax(dim), torch.softmax(xf, dim).numpy(), rtol=1e-5, atol=1e-7)
        assert_close(make(finite, "permuted").log_softmax(dim), torch.log_softmax(xf, dim).numpy(),
                     rtol=1e-5, atol=1e-4)
    assert_close(cr.tensor(a).softmax(1), torch.softmax(x, 1).numpy(), rtol=1e-5, atol=1e-7)  # NaN rows too


# ---- bad input -----------------------------------------------------------------------------

def test_bad_dims_name_the_op():
    t = cr.zeros(2, 3)
    for op in ["sum", "mean", "prod", "amax", "amin", "all", "any", "logsumexp", "norm"]:
        fn = getattr(cr, op)
        args = (t, 2) if op != "norm" else (t, 2, 2)
        with pytest.raises(IndexError, match=op):
            fn(*args)
        args = (t, (1, -1)) if op != "norm" else (t, 2, (1, -1))
        with pytest.raises(RuntimeError, match=f"{op}.*multiple times"):  # as in PyTorch
            fn(*args)
    for op in ["max", "min", "argmax", "argmin", "softmax", "log_softmax", "cumsum"]:
        with pytest.raises(IndexError, match=op):
            getattr(t, op)(-3)
    with pytest.raises(IndexError, match="var"):
        t.var(5)
    with pytest.raises(TypeError, match="sum"):
        t.sum("0")
    with pytest.raises(TypeError, match="sum"):
        t.sum((0, 1.5))


def test_bad_dtypes_and_empty_extremes():
    i = cr.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="mean"):  # as PyTorch's "could not infer output dtype"
        i.mean()
    for op in ["var", "std", "norm", "softmax"]:
        with pytest.raises(TypeError, match=op):
            getattr(i, op)(0) if op == "softmax" else getattr(i, op)()
    e = cr.zeros(0, 3)
    with pytest.raises(RuntimeError, match="max"):
        e.max()
    with pytest.raises(IndexError, match="max"):
        e.max(0)
    with pytest.raises(IndexError, match="argmin"):
        e.argmin(0)
    with pytest.raises(IndexError, match="argmax"):
        e.argmax()
    with pytest.raises(IndexError, match="amax"):
        e.amax(0)
    assert e.max(1).values.shape == (0,)
    with pytest.raises(ValueError, match="norm"):
        cr.zeros(2, 2).norm("nuc")
    with pytest.raises(TypeError, match="var"):
        cr.zeros(2).var(0, unbiased=True, correction=0)


@requires_torch
@pytest.mark.parametrize("call", [lambda lib, x: lib.std(x, dim=0), lambda lib, x: x.var(0), lambda lib, x: x.std(),
                                  lambda lib, x: x.var(dim=1, correction=3), lambda lib, x: x.var(dim=1, correction=2),
                                  lambda lib, x: x.std(dim=(0, 1), unbiased=False), lambda lib, x: x[:, :0].var(),
                                  lambda lib, x: lib.std_mean(x, dim=0), lambda lib, x: lib.var_mean(x, 0)])
def test_var_std_warn_without_degrees_of_freedom_as_torch(call):
    # ProGAN/StyleGAN's minibatch_std takes torch.std(x, dim=0) of a batch of one in their shape tests
    messages = []
    for lib in (cr, torch):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call(lib, lib.ones(1, 3))
        messages.append([(str(w.message).split(" (Triggered internally")[0], w.filename) for w in caught])
    assert messages[0] == messages[1]
