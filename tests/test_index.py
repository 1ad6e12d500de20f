"""Indexing: getitem/setitem (basic views, advanced indexing, bool masks), nonzero, masked ops and
the gather/scatter family, against NumPy and PyTorch, plus a hypothesis property test."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr
from conftest import assert_close, requires_torch, torch


def arange_array(shape, dtype=np.float64):
    return np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)


def crt(a):
    """chainrule.tensor(a) with a's shape (keeps 0-d arrays 0-d)."""
    a = np.asarray(a)
    return cr.tensor(a).reshape(a.shape)


def sources(shape):
    """(chainrule tensor, NumPy array) pairs with equal values: contiguous, transposed, stepped."""
    a = arange_array(shape)
    yield cr.tensor(a), a
    t = cr.tensor(np.ascontiguousarray(a.T)).T  # same values, reversed strides
    yield t, a
    big = np.arange(int(np.prod(shape)) * 2, dtype=np.float64).reshape(shape[:-1] + (shape[-1] * 2,))
    yield cr.tensor(big)[..., ::2], big[..., ::2]


# ---- basic indexing -------------------------------------------------------------------------

BASIC = [
    (1,), (-1,), (slice(1, 3),), (slice(None, None, 2),), (0, slice(1, None, 2)),
    (Ellipsis, 1), (None, 0, Ellipsis, None), (slice(-2, None), None, 2), (1, 2, 3), (slice(5, 1),),
]


@pytest.mark.parametrize("key", BASIC)
def test_basic_indexing_matches_numpy_and_is_a_view(key):
    for t, a in sources((3, 4, 5)):
        got = t[key]
        assert_close(got, a[key])
        if got.ndim > 0:
            assert got._storage_id() == t._storage_id()


def test_basic_index_writes_through():
    x = cr.zeros(3, 4)
    v = x[1, 1:]
    v.fill_(2.0)
    assert x.numpy()[1].tolist() == [0, 2, 2, 2]


def test_basic_index_errors():
    x = cr.zeros(3, 4)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dim 0 with size 3"):
        x[5]
    with pytest.raises(IndexError, match="index -5 is out of bounds for dim 1 with size 4"):
        x[0, -5]
    with pytest.raises(ValueError, match="step must be greater than zero"):
        x[::-1]
    with pytest.raises(IndexError, match="too many indices for tensor of dimension 2"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match="single ellipsis"):
        x[..., ...]
    with pytest.raises(IndexError, match="valid indices"):
        x[1.5]
    with pytest.raises(IndexError, match="valid indices"):
        x["a"]
    with pytest.raises(IndexError, match="long, int, byte or bool"):
        x[cr.tensor([0.0])]
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):  # PyTorch's words
        crt(1.0)[0]


@requires_torch
@pytest.mark.parametrize("key", [
    lambda labels: (range(4), labels),  # pytorch/examples' mnist_forward_forward: x_[range(n), y] = x.max()
    lambda labels: range(1, 3),
    lambda labels: (slice(None), range(0, 5, 2)),
    lambda labels: range(0),
])
def test_a_range_indexes_as_the_list_of_its_ints_as_in_pytorch(key):
    a = arange_array((4, 5))
    labels = [1, 0, 4, 2]
    x, t = crt(a), torch.tensor(a)
    assert_close(x[key(cr.tensor(labels))], t[key(torch.tensor(labels))].numpy())
    x[key(cr.tensor(labels))] = -1.0
    t[key(torch.tensor(labels))] = -1.0
    assert_close(x, t.numpy())


def test_zero_dim_tensor_indexing():
    s = crt(3.0)
    assert s[...].shape == () and s[None].shape == (1,)
    assert s[True].shape == (1,) and s[False].shape == (0,)


# ---- advanced indexing ----------------------------------------------------------------------

# Keys where PyTorch and NumPy agree (no int separated from an index tensor by a slice).
ADVANCED = [
    ([2, 0, 2],),
    (np.array([[1, 0], [2, 2]]),),
    (slice(None), [3, -1]),
    ([0, 2], [1, 3]),
    ([[0], [2]], [1, 3]),          # broadcast to (2, 2)
    ([0, 1], slice(None), [4, 0]),  # non-adjacent: broadcast dims go first
    (Ellipsis, [1, 1, 0]),
    (None, [1], slice(1, 3)),
    (1, [0, 3], [2, 4]),
    (np.array([True, False, True]),),
    (slice(None), np.array([True, False, False, True])),
    (np.ones((3, 4), dtype=bool),),
    ([],),
]


@pytest.mark.parametrize("key", ADVANCED)
def test_advanced_indexing_matches_numpy(key):
    for t, a in sources((3, 4, 5)):
        assert_close(t[key], a[key])


def test_index_tensors_may_be_non_contiguous():
    t, a = cr.tensor(arange_array((6, 5))), arange_array((6, 5))
    idx = np.array([[0, 5, 2], [1, 1, 3]])
    it = cr.tensor(np.ascontiguousarray(idx.T)).T  # strides (1, 2)
    assert not it.is_contiguous()
    assert_close(t[it], a[idx])
    assert_close(t[:, it[:, ::2]], a[:, idx[:, ::2]])
    mask = cr.tensor(np.ascontiguousarray((a > 7).T)).T
    assert_close(t[mask], a[a > 7])


@requires_torch
@pytest.mark.parametrize("key", [
    (0, slice(None), [1, 2]),            # PyTorch: int selects first -> (4, 2); NumPy would give (2, 4)
    ([0, 1], slice(None), 0),
    (slice(None), 0, None, [1, 2]),
    (0, None, [1, 2]),
    (True, [0, 1]),
    ([0, 1], slice(None), True),
    (False, Ellipsis),
    (None, 0, slice(None), [[1], [2]]),
    ("tensor0", slice(None), [1, 2]),    # a 0-d int tensor acts like an int
    (np.int64(2), slice(None, None, 2), [4]),
])
def test_mixed_indexing_matches_torch(key):
    key = tuple(crt(0) if isinstance(k, str) else k for k in key)
    tkey = tuple(torch.tensor(0) if isinstance(k, cr.Tensor) else k for k in key)
    for t, arr in sources((3, 4, 5)):
        assert_close(t[key], torch.from_numpy(np.ascontiguousarray(arr))[tkey].numpy())


def test_advanced_index_errors():
    x = cr.zeros(3, 4)
    with pytest.raises(IndexError, match="index 7 is out of bounds for dim 1 with size 4"):
        x[:, [0, 7]]
    with pytest.raises(IndexError, match="could not be broadcast"):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(IndexError, match="shape of the mask"):
        x[np.array([True, False])]
    with pytest.raises(IndexError, match="valid indices"):
        x[[0.5, 1.0]]


# ---- setitem --------------------------------------------------------------------------------

def test_setitem_basic_number_and_broadcast_tensor():
    x, a = cr.zeros(3, 4), np.zeros((3, 4), dtype=np.float32)
    version = x._version
    x[1] = 5
    a[1] = 5
    x[:, 1:3] = cr.tensor([7, 8])  # int64 source cast to float32
    a[:, 1:3] = [7, 8]
    x[..., -1] = cr.tensor(np.array([1.0, 2.0, 3.0]))
    a[..., -1] = [1, 2, 3]
    assert_close(x, a)
    assert x._version > version
    with pytest.raises(ValueError, match="shape mismatch"):
        x[0] = cr.ones(3)


def test_setitem_advanced_mask_and_duplicates():
    x, a = cr.tensor(arange_array((4, 3))), arange_array((4, 3))
    x[x > 6] = 0
    a[a > 6] = 0
    x[[0, 2], 1] = cr.tensor([10.0, 20.0])
    a[[0, 2], 1] = [10, 20]
    x[[1, 1, 1]] = cr.tensor([[1.0, 2, 3], [4, 5, 6], [7, 8, 9]])  # last write wins
    a[1] = [7, 8, 9]
    x[np.array([True, False, True, False]), :] = -1.0
    a[[0, 2]] = -1
    assert_close(x, a)


def test_setitem_on_non_contiguous_view_writes_base():
    base = cr.zeros(4, 6)
    view = base.t()[::2]  # (3, 4), non-contiguous
    view[[0, 2], 1:] = 3.0
    want = np.zeros((4, 6), dtype=np.float32)
    want.T[::2][[0, 2], 1:] = 3.0
    assert_close(base, want)


def test_setitem_value_aliasing_self():
    x = cr.tensor([1.0, 2.0, 3.0, 4.0])
    x[[1, 2, 3]] = x[[0, 1, 2]]
    assert x.tolist() == [1, 1, 2, 3]
    y = cr.tensor([1.0, 2.0, 3.0, 4.0])
    y[1:] = y[:3]
    assert y.tolist() == [1, 1, 2, 3]


def test_writes_into_expanded_tensors_are_refused():
    e = cr.zeros(1, 3).expand(4, 3)
    with pytest.raises(RuntimeError, match="expanded"):
        e[[0, 1]] = 1.0
    with pytest.raises(RuntimeError, match="scatter_: the tensor written to is expanded"):
        e.scatter_(0, cr.tensor([[0]]), 1.0)
    with pytest.raises(RuntimeError, match="masked_fill_"):
        e.masked_fill_(cr.ones(4, 3, dtype=cr.bool), 1.0)


def test_index_put_accumulate():
    x = cr.zeros(5)
    x.index_put_((cr.tensor([0, 0, 4]),), cr.tensor([1.0, 2.0, 3.0]), accumulate=True)
    assert x.tolist() == [3, 0, 0, 0, 3]
    y = cr.zeros(2, 3)
    y.index_put_((None, cr.tensor([2, 2])), cr.ones(2, 2), accumulate=True)
    y.index_put_((cr.tensor([True, False]),), cr.tensor(5.0).reshape(()), accumulate=True)
    assert y.tolist() == [[5, 5, 7], [0, 0, 2]]


# ---- nonzero and masked ops -----------------------------------------------------------------

def test_nonzero_and_masked_ops_match_numpy():
    a = np.random.randn(4, 5)
    a[a < 0.3] = 0
    t = cr.tensor(a).t()
    assert_close(t.nonzero(), np.stack(np.nonzero(a.T), axis=1))
    for got, want in zip(cr.nonzero(t, as_tuple=True), np.nonzero(a.T)):
        assert_close(got, want)
    assert cr.nonzero(cr.zeros(2, 0)).shape == (0, 2)
    mask = t > 0.5
    assert_close(t.masked_fill(mask, -1.0), np.where(a.T > 0.5, -1.0, a.T))
    assert_close(cr.masked_select(t, mask), a.T[a.T > 0.5])
    row = cr.tensor([True, False, False, True])  # broadcasts over the 5 rows
    assert_close(t.masked_fill(row, cr.tensor(2.0)), np.where([True, False, False, True], 2.0, a.T))
    assert_close(t.masked_select(row), a.T[:, [0, 3]].reshape(-1))
    u = cr.tensor(a)
    u.masked_fill_(cr.tensor(a == 0), 9)
    assert_close(u, np.where(a == 0, 9, a))
    with pytest.raises(TypeError, match="masked_fill_: mask must be a bool tensor"):
        u.masked_fill_(cr.zeros(4, 5), 1.0)
    with pytest.raises(ValueError, match="masked_fill_"):
        u.masked_fill_(cr.ones(3, dtype=cr.bool), 1.0)


# ---- gather / scatter family ----------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_scatter_match_torch(dim):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 6))
    size = a.shape[dim]
    idx = rng.integers(0, size, (3, 5))
    src = rng.standard_normal((4, 6))
    x, i, s = cr.tensor(a).t().t(), cr.tensor(np.ascontiguousarray(idx.T)).t(), cr.tensor(src)[:, :]
    tx, ti, ts = torch.from_numpy(a), torch.from_numpy(idx), torch.from_numpy(src)
    assert_close(x.gather(dim, i), torch.gather(tx, dim, ti).numpy())
    assert_close(cr.scatter_add(x, dim, i, s), torch.scatter_add(tx, dim, ti, ts).numpy())
    unique = torch.argsort(torch.rand(3, 6), dim=1)[:, :2] if dim != 0 else torch.argsort(torch.rand(4, 5), 0)[:3]
    ui = cr.tensor(unique.numpy())
    assert_close(cr.scatter(x, dim, ui, s), torch.scatter(tx, dim, unique, ts).numpy())
    assert_close(x.scatter(dim, ui, 2.5), tx.scatter(dim, unique, 2.5).numpy())
    y = cr.tensor(a)
    y.scatter_add_(dim, i, s)
    assert_close(y, torch.scatter_add(tx, dim, ti, ts).numpy())


def test_scatter_add_accumulates_duplicates():
    out = cr.zeros(3).scatter_add(0, cr.tensor([0, 0, 2, 0]), cr.ones(4))
    assert out.tolist() == [3, 0, 1]


def test_gather_scatter_errors():
    x = cr.zeros(3, 4)
    with pytest.raises(IndexError, match="gather: index 4 is out of bounds for dim 1 with size 4"):
        x.gather(1, cr.tensor([[4]]))
    with pytest.raises(IndexError, match="gather: index -1"):
        x.gather(1, cr.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="gather: expected dtype int32 or int64 for index"):
        x.gather(1, cr.zeros(1, 1))
    with pytest.raises(ValueError, match="gather: index of shape"):
        x.gather(1, cr.tensor([0]))
    with pytest.raises(ValueError, match="gather: index of shape .* is larger"):
        x.gather(1, cr.zeros(4, 1, dtype=cr.int64))
    with pytest.raises(IndexError, match="scatter_: index 3 is out of bounds for dim 0 with size 3"):
        x.scatter_(0, cr.tensor([[3]]), cr.ones(1, 1))
    assert not x.numpy().any()  # nothing was written
    with pytest.raises(TypeError, match="scatter_add_: src dtype float64"):
        x.scatter_add_(0, cr.tensor([[0]]), cr.ones(1, 1, dtype=cr.float64))
    with pytest.raises(TypeError, match="exactly one"):
        x.scatter(0, cr.tensor([[0]]))
    with pytest.raises(IndexError, match="dim"):
        x.gather(2, cr.tensor([[0]]))


def test_index_select_add_take_match_numpy():
    a = np.random.randn(5, 4)
    t = cr.tensor(a).t()  # (4, 5) non-contiguous
    idx = np.array([4, 0, 0, 2])
    assert_close(t.index_select(1, cr.tensor(idx)), a.T[:, idx])
    assert_close(cr.index_select(t, 0, crt(1)), a.T[[1]])
    assert_close(cr.take(t, cr.tensor([[0, -1], [7, 3]])), a.T.reshape(-1)[[[0, -1], [7, 3]]])
    src = np.random.randn(4, 4)
    want = a.T.copy()
    np.add.at(want, (slice(None), idx), 2 * src)
    assert_close(t.index_add(1, cr.tensor(idx), cr.tensor(src), alpha=2), want)
    u = cr.tensor(a.T)
    u.index_add_(1, cr.tensor(idx), cr.tensor(src), alpha=2)
    assert_close(u, want)
    with pytest.raises(IndexError, match="index_select: index 5 is out of bounds for dim 1 with size 5"):
        t.index_select(1, cr.tensor([5]))
    with pytest.raises(ValueError, match="index_select: index must be 0-d or 1-d"):
        t.index_select(1, cr.tensor([[0]]))
    with pytest.raises(ValueError, match="index_add_: source of shape"):
        u.index_add_(1, cr.tensor(idx), cr.ones(4, 3, dtype=cr.float64))
    with pytest.raises(IndexError, match="take: index 20 is out of bounds"):
        cr.take(t, cr.tensor([20]))


def test_zero_size_gather_and_index():
    x = cr.zeros(0, 3)
    assert x[[]].shape == (0, 3)
    assert x.gather(0, cr.zeros(0, 2, dtype=cr.int64)).shape == (0, 2)
    assert cr.zeros(2, 3)[:, cr.zeros(0, dtype=cr.int64)].shape == (2, 0)
    with pytest.raises(IndexError, match="out of bounds for dim 0 with size 0"):
        x[[0]]


# ---- property test --------------------------------------------------------------------------

@st.composite
def shapes_and_keys(draw):
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
    entry = st.one_of(
        st.integers(-6, 6),
        st.builds(slice, st.none() | st.integers(-6, 6), st.none() | st.integers(-6, 6),
                  st.none() | st.integers(-2, 3)),
        st.none(),
        st.booleans(),
        st.lists(st.integers(-5, 5), min_size=0, max_size=4),
        st.lists(st.booleans(), min_size=0, max_size=4).map(lambda b: np.array(b, dtype=bool)),
        st.lists(st.integers(-5, 5), min_size=1, max_size=3).map(np.array),
        st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(0, 2**9)).map(
            lambda s: (np.arange(s[0] * s[1]).reshape(s[0], s[1]) * 7 + s[2]) % 3 == 0),  # 2-d masks
    )
    key = draw(st.lists(entry, min_size=0, max_size=4))
    if draw(st.booleans()):
        key.insert(draw(st.integers(0, len(key))), Ellipsis)
    return shape, tuple(key)


def torch_key(key):
    return tuple(torch.from_numpy(k) if isinstance(k, np.ndarray) else k for k in key)


@requires_torch
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(shapes_and_keys())
def test_getitem_property_matches_torch(case):
    shape, key = case
    a = arange_array(shape)
    try:
        want = torch.from_numpy(a)[torch_key(key)].numpy()
    except (IndexError, ValueError, TypeError, RuntimeError):
        want = None
    t = crt(a)
    if want is None:
        with pytest.raises((IndexError, ValueError, TypeError)):
            t[key]
        return
    try:
        got = t[key]
    except IndexError:
        # PyTorch checks index values only while copying, so an empty result skips the check;
        # chainrule validates every index up front, as NumPy does.
        assert want.size == 0
        return
    assert_close(got, want)
    if len(shape) >= 2:  # the same key on a transposed copy with equal values
        tt = cr.tensor(np.ascontiguousarray(a.T)).T
        assert_close(tt[key], want)


@requires_torch
@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(shapes_and_keys())
def test_setitem_property_matches_torch(case):
    shape, key = case
    a = arange_array(shape)
    ta = torch.from_numpy(a.copy())
    try:
        ta[torch_key(key)] = -1.0
    except (IndexError, ValueError, TypeError, RuntimeError):
        ta = None
    t = crt(a)
    if ta is None:
        with pytest.raises((IndexError, ValueError, TypeError)):
            t[key] = -1.0
        return
    try:
        t[key] = -1.0
    except IndexError:  # see test_getitem_property_matches_torch
        assert torch.from_numpy(a)[torch_key(key)].numel() == 0
        return
    assert_close(t, ta.numpy())


@requires_torch
@pytest.mark.parametrize("op", ["index_add_", "index_add", "gather", "scatter_add"])
def test_a_float_index_is_a_runtime_error_as_in_torch(op):
    for lib in (torch, cr):
        x, index, src = lib.zeros(3), lib.tensor([0.0, 1.0]), lib.ones(2)
        args = (0, index, src) if op != "gather" else (0, index)
        with pytest.raises(RuntimeError, match="index"):
            getattr(x, op)(*args)


@requires_torch
@pytest.mark.filterwarnings("ignore:The reduce argument")  # torch deprecates reduce= with a tensor src
@pytest.mark.parametrize("reduce", ["add", "multiply"])
@pytest.mark.parametrize("given", ["src", "value"])
def test_scatter_reduce_keyword_as_torch(reduce, given):
    def run(lib, in_place):
        x, index = lib.arange(1.0, 7.0).reshape(2, 3), lib.tensor([[0, 0], [2, 1]])
        operand = {"src": lib.full((2, 2), 3.0)} if given == "src" else {"value": 2.0}
        if in_place:
            return x.scatter_(dim=1, index=index, reduce=reduce, **operand)
        return lib.scatter(input=x, dim=1, index=index, reduce=reduce, **operand)
    for in_place in (False, True):
        assert_close(run(cr, in_place), run(torch, in_place).numpy())
    for lib in (torch, cr):
        with pytest.raises(RuntimeError, match="add or multiply"):
            lib.zeros(2).scatter(0, lib.tensor([0]), 1.0, reduce="sum")


def indexing_error(lib, key, assign):
    x = lib.tensor(1.5)
    key = key(lib)
    try:
        if assign:
            x[key] = 2.0
        else:
            x[key]
    except IndexError as e:
        return str(e)
    return f"no error: {x}"


@requires_torch
@pytest.mark.parametrize("assign", [False, True])
@pytest.mark.parametrize("key", [lambda lib: 0, lambda lib: np.int64(0), lambda lib: slice(None),
                                 lambda lib: (0,), lambda lib: lib.tensor(0), lambda lib: [0]],
                         ids=["int", "numpy-int", "slice", "tuple", "tensor", "list"])
def test_indexing_a_0d_tensor_raises_torchs_index_error(key, assign):
    """loss.data[0] (pre-0.4 code) is PyTorch's IndexError that points at item(); the rest 'too many indices'."""
    ours, theirs = indexing_error(cr, key, assign), indexing_error(torch, key, assign)
    assert ours.split(" (got")[0] == theirs


@pytest.mark.parametrize("key", [None, Ellipsis, True, (None, Ellipsis)])
def test_0d_tensor_keeps_its_none_ellipsis_and_bool_indexing(key):
    np.testing.assert_array_equal(crt(np.float32(1.5))[key].numpy(), np.asarray(np.float32(1.5))[key])
