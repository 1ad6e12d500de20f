"""Property tests (hypothesis): random shapes, dtypes and dims thrown at binary ops, unary ops and
views. Each call must match NumPy or raise a clean ValueError/TypeError/IndexError/RuntimeError."""
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule as cr

CLEAN_ERRORS = (ValueError, TypeError, IndexError, RuntimeError)
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NP_DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_}
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)
dtypes = st.sampled_from(list(NP_DTYPES))


def make_array(shape, dtype, seed):
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.random(shape) > 0.5
    if dtype == "int64":
        return rng.integers(-9, 10, shape).astype(np.int64)
    return rng.uniform(-4, 4, shape).astype(NP_DTYPES[dtype])


@st.composite
def tensors(draw, shape=None):
    shape = draw(shapes) if shape is None else shape
    dtype = draw(dtypes)
    arr = make_array(shape, dtype, draw(st.integers(0, 2**16)))
    t = cr.tensor(arr)
    if arr.ndim >= 2 and draw(st.booleans()):  # the same values through a non-contiguous view
        t = cr.tensor(np.ascontiguousarray(np.swapaxes(arr, 0, 1))).transpose(0, 1)
    return arr, t


@st.composite
def broadcastable_shape_pairs(draw):
    """Mostly broadcastable pairs (some dims set to 1 or dropped), sometimes arbitrary ones."""
    a = draw(shapes)
    if draw(st.integers(0, 4)) == 0:
        return a, draw(shapes)
    b = [1 if draw(st.booleans()) else d for d in a]
    b = b[draw(st.integers(0, len(b))):]
    if draw(st.booleans()):
        a, b = tuple(b), a
    return tuple(a), tuple(b)


def numpy_broadcasts(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


# name -> NumPy reference; operands of any dtype.
BINARY = {"add": np.add, "mul": np.multiply, "maximum": np.maximum, "minimum": np.minimum, "eq": np.equal,
          "lt": np.less, "ge": np.greater_equal, "logical_and": np.logical_and, "logical_xor": np.logical_xor,
          "sub": np.subtract, "div": np.true_divide}


@SETTINGS
@given(pair=broadcastable_shape_pairs(), op=st.sampled_from(list(BINARY)), data=st.data())
def test_binary_ops_match_numpy_or_raise_cleanly(pair, op, data):
    (a, ta), (b, tb) = data.draw(tensors(pair[0])), data.draw(tensors(pair[1]))
    try:
        got = getattr(cr, op)(ta, tb)
    except CLEAN_ERRORS as e:
        broadcasts = numpy_broadcasts(a.shape, b.shape)
        bool_sub = op == "sub" and np.bool_ in (a.dtype, b.dtype)  # refused, as in PyTorch
        assert not broadcasts or bool_sub, f"{op} raised {e!r} for valid inputs"
        return
    assert numpy_broadcasts(a.shape, b.shape)
    got_np = got.numpy()
    with np.errstate(all="ignore"):  # the exact result, rounded to the result dtype (bool + bool is True)
        want = BINARY[op](a.astype(np.float64), b.astype(np.float64)).astype(got_np.dtype)
    assert got_np.shape == want.shape
    if got_np.dtype == np.bool_:
        np.testing.assert_array_equal(got_np, want)
    else:
        np.testing.assert_allclose(got_np.astype(np.float64), want, rtol=1e-5, atol=1e-5, equal_nan=True)


@SETTINGS
@given(pair=broadcastable_shape_pairs(), op=st.sampled_from(["add_", "mul_", "sub_", "maximum_"]), data=st.data())
def test_in_place_ops_match_numpy_or_raise_cleanly(pair, op, data):
    (a, ta), (b, tb) = data.draw(tensors(pair[0])), data.draw(tensors(pair[1]))
    ref = {"add_": np.add, "mul_": np.multiply, "sub_": np.subtract, "maximum_": np.maximum}[op]
    try:
        getattr(ta, op)(tb)
    except CLEAN_ERRORS:
        return
    assert np.broadcast_shapes(a.shape, b.shape) == a.shape
    want = ref(a.astype(np.float64), b.astype(np.float64))
    np.testing.assert_allclose(ta.numpy().astype(np.float64), want.astype(a.dtype).astype(np.float64), rtol=1e-5,
                               atol=1e-5)


UNARY = {"neg": np.negative, "abs": np.abs, "exp": np.exp, "tanh": np.tanh, "sqrt": np.sqrt, "floor": np.floor,
         "sigmoid": lambda x: 1 / (1 + np.exp(-x)), "relu": lambda x: np.maximum(x, 0), "sign": np.sign,
         "logical_not": np.logical_not, "sin": np.sin, "log1p": np.log1p, "square": np.square}


@SETTINGS
@given(arr_t=tensors(), op=st.sampled_from(list(UNARY)))
def test_unary_ops_match_numpy_or_raise_cleanly(arr_t, op):
    a, t = arr_t
    try:
        got = getattr(t, op)()
    except CLEAN_ERRORS:
        assert a.dtype == np.bool_, f"{op} raised for dtype {a.dtype}"
        return
    with np.errstate(all="ignore"):
        want = UNARY[op](a.astype(np.float64))
    assert got.shape == a.shape
    np.testing.assert_allclose(got.numpy().astype(np.float64), want, rtol=1e-5, atol=1e-5, equal_nan=True)


@st.composite
def reshape_targets(draw, shape):
    numel = int(np.prod(shape))
    if draw(st.booleans()):
        target = list(draw(shapes))  # usually invalid
    else:  # a valid factorisation of numel, possibly with one -1
        target, rest = [], numel
        for _ in range(draw(st.integers(0, 3))):
            divisors = [d for d in range(1, 6) if rest % d == 0] if rest else [0, 1, 2]
            d = draw(st.sampled_from(divisors))
            target.append(d)
            rest = rest // d if d else 0
        target.append(rest)
        draw(st.randoms()).shuffle(target)
    if target and draw(st.integers(0, 3)) == 0:
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


def numpy_reshape(a, target):
    if any(d < -1 for d in target) or target.count(-1) > 1:
        return None
    if -1 in target and 0 in target:
        return None  # ambiguous in both libraries
    try:
        return a.reshape(target)
    except ValueError:
        return None


@SETTINGS
@given(data=st.data())
def test_reshape_and_view_random_shapes(data):
    a, t = data.draw(tensors())
    target = data.draw(reshape_targets(a.shape))
    want = numpy_reshape(a, target)
    try:
        got = t.reshape(target)
    except CLEAN_ERRORS:
        assert want is None, f"reshape {a.shape} -> {target} raised but NumPy gives {want.shape}"
        return
    assert want is not None, f"reshape {a.shape} -> {target} should fail"
    np.testing.assert_array_equal(got.numpy(), want)
    try:
        v = t.view(target)
        np.testing.assert_array_equal(v.numpy(), want)
    except RuntimeError:
        assert not t.is_contiguous()


@SETTINGS
@given(data=st.data())
def test_permute_random_dims(data):
    a, t = data.draw(tensors())
    n = a.ndim
    dims = data.draw(st.one_of(st.permutations(range(n)).map(tuple),
                               st.lists(st.integers(-n - 2, n + 1), max_size=5).map(tuple)))
    try:
        want = np.transpose(a, dims)
        ok = len(dims) == n
    except (ValueError, np.exceptions.AxisError):
        ok = False
    try:
        got = t.permute(dims)
    except CLEAN_ERRORS:
        assert not ok, f"permute {dims} of {a.shape} raised"
        return
    assert ok, f"permute {dims} of {a.shape} should fail"
    np.testing.assert_array_equal(got.numpy(), want)


def wrap_ok(dim, ndim):
    return -max(ndim, 1) <= dim < max(ndim, 1)


@SETTINGS
@given(data=st.data())
def test_transpose_squeeze_unsqueeze_random_dims(data):
    a, t = data.draw(tensors())
    n = a.ndim
    d0, d1 = data.draw(st.integers(-n - 2, n + 2)), data.draw(st.integers(-n - 2, n + 2))
    if wrap_ok(d0, n) and wrap_ok(d1, n):
        want = a if n == 0 else np.swapaxes(a, d0, d1)
        np.testing.assert_array_equal(t.transpose(d0, d1).numpy(), want)
    else:
        with pytest.raises(IndexError):
            t.transpose(d0, d1)
    if wrap_ok(d0, n):
        want = a if n == 0 or a.shape[d0] != 1 else np.squeeze(a, d0)
        np.testing.assert_array_equal(t.squeeze(d0).numpy(), want)
    else:
        with pytest.raises(IndexError):
            t.squeeze(d0)
    np.testing.assert_array_equal(t.squeeze().numpy(), np.squeeze(a))
    if -n - 1 <= d1 <= n:
        np.testing.assert_array_equal(t.unsqueeze(d1).numpy(), np.expand_dims(a, d1))
    else:
        with pytest.raises(IndexError):
            t.unsqueeze(d1)


@SETTINGS
@given(data=st.data())
def test_expand_random_shapes(data):
    a, t = data.draw(tensors())
    target = data.draw(shapes)
    try:
        want = np.broadcast_to(a, target)
    except ValueError:
        want = None
    with warnings.catch_warnings():
        try:
            got = t.expand(target)
        except CLEAN_ERRORS:
            assert want is None, f"expand {a.shape} -> {target} raised"
            return
    assert want is not None, f"expand {a.shape} -> {target} should fail"
    np.testing.assert_array_equal(got.numpy(), want)
