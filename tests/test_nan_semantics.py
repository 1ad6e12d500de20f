"""NaN, infinity and signed-zero semantics of floor_divide, remainder, fmod, clamp, hardtanh,
hardshrink, softshrink, nansum and nanmean, compared with PyTorch bit for bit (NaN-ness, value and
sign; not NaN payloads) over grids of special values, for float32, float64 and int64 (issue 15,
defect 8). Inputs are padded to a multiple of 64 elements so PyTorch runs its vectorized loops, as
it does on real tensors (its scalar tail loop differs from them on a few signed zeros)."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

pytestmark = requires_torch

FLOATS = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 3.0, -3.0, 0.5, -0.5, 1e30, -1e30, 0.1, 7.0]
INTS = [0, 1, -1, 2, -2, 3, -3, 7, -7, 2**62, -2**62, 2**63 - 1, -2**63]
FLOAT_DTYPES = ["float32", "float64"]


def padded(values, dtype):
    values = np.asarray(values, dtype=dtype)
    return np.resize(values, -(-len(values) // 64) * 64)


def pairs(values, dtype):
    """Every (x, y) of values, as two padded arrays."""
    xs, ys = np.meshgrid(np.asarray(values, dtype=dtype), np.asarray(values, dtype=dtype))
    return padded(xs.ravel(), dtype), padded(ys.ravel(), dtype)


def both(array):
    return cr.tensor(array), torch.tensor(array)


def assert_same_bits(ours, theirs):
    got, want = ours.detach().numpy(), theirs.detach().numpy()
    assert got.dtype == want.dtype
    if got.dtype.kind != "f":
        np.testing.assert_array_equal(got, want)
        return
    nan = np.isnan(want)
    np.testing.assert_array_equal(np.isnan(got), nan)
    np.testing.assert_array_equal(got[~nan], want[~nan])
    np.testing.assert_array_equal(np.signbit(got[~nan]), np.signbit(want[~nan]))


# ----------------------------------------------------------------------- floor_divide, remainder

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
def test_float_division_of_special_values_matches_torch(op, dtype):
    (x, tx), (y, ty) = map(both, pairs(FLOATS, dtype))
    assert_same_bits(getattr(cr, op)(x, y), getattr(torch, op)(tx, ty))  # inf // 2 was inf (PyTorch: NaN)
    for k in FLOATS:
        assert_same_bits(getattr(cr, op)(x, k), getattr(torch, op)(tx, k))
        if op != "fmod":  # torch.fmod takes no number as its first argument
            assert_same_bits(getattr(cr, op)(k, y), getattr(torch, op)(k, ty))
    assert_same_bits(x // y, tx // ty)
    assert_same_bits(x % y, tx % ty)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
def test_float_division_of_strided_broadcast_and_in_place_operands_matches_torch(op, dtype):
    x, y = pairs(FLOATS, dtype)  # holds rare elements too (1e30 / 0.1: a quotient past 2^23)
    (x, tx), (y, ty) = both(x.reshape(-1, 16)), both(y.reshape(-1, 16))
    assert_same_bits(getattr(cr, op)(x.t(), y.t()), getattr(torch, op)(tx.t(), ty.t()))  # copied, then vectorized
    assert_same_bits(getattr(cr, op)(x, y[:1]), getattr(torch, op)(tx, ty[:1]))  # a broadcast row
    ours, theirs = x.clone().t(), tx.clone().t()
    getattr(ours, op + "_")(y.t())
    getattr(theirs, op + "_")(ty.t())
    assert_same_bits(ours, theirs)  # a strided output: the one-pass scalar loop
    ours, theirs = x.clone(), tx.clone()
    getattr(ours, op + "_")(y)
    getattr(theirs, op + "_")(ty)
    assert_same_bits(ours, theirs)  # in place with rare elements: each read before it is overwritten
    big = np.array([1.7014117331926443e+38, 3.0], dtype)  # found by tests/fuzz: it was divided twice
    ours, theirs = both(big)
    getattr(ours, op + "_")(cr.tensor(1.0367525815963745, dtype=ours.dtype))
    assert_same_bits(ours, getattr(theirs, op + "_")(torch.tensor(1.0367525815963745, dtype=theirs.dtype)))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_floor_divide_is_the_floor_of_the_exact_quotient(dtype):
    x, y = np.array([1.0, 0.7, 5.0, -1.0, 0.3], dtype), np.array([0.1, 0.1, 0.1, 0.1, -0.1], dtype)
    got = cr.floor_divide(cr.tensor(x), cr.tensor(y))  # 1 // 0.1 was floor(1 / 0.1) = 10
    assert got.tolist() == torch.floor_divide(torch.tensor(x), torch.tensor(y)).tolist()
    if dtype == "float64":
        assert got.tolist() == [a // b for a, b in zip(x.tolist(), y.tolist())] == [9.0, 6.0, 49.0, -10.0, -3.0]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
def test_float_division_over_the_whole_range_matches_torch_or_python(op, dtype):
    rng = np.random.default_rng(0)
    span = 38 if dtype == "float32" else 300
    def draw():
        with np.errstate(over="ignore"):
            return (rng.standard_normal(20000) * 10.0 ** rng.integers(-span, span, 20000)).astype(dtype)
    x, y = draw(), draw()
    x[::7] = np.round(x[::7])
    got = getattr(cr, op)(cr.tensor(x), cr.tensor(y)).numpy()
    want = getattr(torch, op)(torch.tensor(x), torch.tensor(y)).numpy()
    # Where x / y overflows PyTorch's vectorized fmod gives NaN; chainrule the exact result, as
    # PyTorch's scalar loop and Python (float64) do.
    overflow = np.isnan(want) & ~np.isnan(got)
    assert_same_bits(cr.tensor(got[~overflow]), torch.tensor(want[~overflow]))
    if dtype == "float64":
        python_op = {"floor_divide": float.__floordiv__, "remainder": float.__mod__, "fmod": math.fmod}[op]
        python = [python_op(a, b) for a, b in zip(x[overflow].tolist(), y[overflow].tolist())]
        assert got[overflow].tolist() == python


@pytest.mark.parametrize("op", ["floor_divide", "remainder", "fmod"])
def test_int64_division_matches_torch_and_by_zero_is_its_runtime_error(op):
    (x, tx), (y, ty) = map(both, pairs(INTS[1:], np.int64))
    assert_same_bits(getattr(cr, op)(x, y), getattr(torch, op)(tx, ty))
    for k in INTS[1:]:
        assert_same_bits(getattr(cr, op)(x, k), getattr(torch, op)(tx, k))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(torch, op)(tx, 0)
    with pytest.raises(RuntimeError, match=f"{op}: ZeroDivisionError"):
        getattr(cr, op)(x, 0)
    with pytest.raises(RuntimeError, match=f"{op}: ZeroDivisionError"):
        getattr(cr, op)(cr.tensor(INTS), cr.tensor(INTS))


def test_fmod_and_its_gradient_match_torch():
    check_op(lambda a, b: cr.fmod(a, b), [(3, 4), (4,)], torch_fn=torch.fmod)
    check_op(lambda a: a.fmod(0.7), [(3, 4)], torch_fn=lambda a: a.fmod(0.7))
    with pytest.raises(TypeError, match="fmod: not supported for two bool operands"):
        cr.fmod(cr.tensor([True]), cr.tensor([True]))


# ----------------------------------------------------------------------------- clamp, hardtanh

@pytest.mark.parametrize("dtype", FLOAT_DTYPES + ["int64"])
def test_clamp_with_special_scalar_bounds_matches_torch(dtype):
    values = INTS if dtype == "int64" else FLOATS
    x, tx = both(padded(values, dtype))
    bounds = FLOATS[:9] + ([] if dtype == "int64" else [0.5])
    for lo in bounds + [None]:
        for hi in bounds + [None]:
            if lo is None and hi is None:
                continue
            assert_same_bits(cr.clamp(x, lo, hi), torch.clamp(tx, lo, hi))  # a NaN bound gave x back
            assert_same_bits(x.clip(min=lo, max=hi), tx.clip(min=lo, max=hi))
        if lo is not None:
            assert_same_bits(cr.clamp_min(x, lo), torch.clamp_min(tx, lo))
            assert_same_bits(x.clamp_max(lo), tx.clamp_max(lo))
    if dtype != "int64":
        inplace, tinplace = both(padded(values, dtype))
        inplace.clamp_(math.nan, 1.0)
        assert_same_bits(inplace, tinplace.clamp_(math.nan, 1.0))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_clamp_with_special_tensor_bounds_matches_torch(dtype):
    (x, tx), (lo, tlo) = map(both, pairs(FLOATS, dtype))
    hi, thi = both(lo.numpy()[::-1].copy())
    assert_same_bits(cr.clamp(x, lo, hi), torch.clamp(tx, tlo, thi))
    assert_same_bits(cr.clamp(x, min=lo), torch.clamp(tx, min=tlo))
    assert_same_bits(cr.clamp(x, max=hi), torch.clamp(tx, max=thi))
    assert_same_bits(cr.clamp_min(x, lo), torch.clamp_min(tx, tlo))
    assert_same_bits(x.clamp_max(hi), tx.clamp_max(thi))
    in_place, t_in_place = x.clone(), tx.clone()
    assert_same_bits(in_place.clamp_min_(lo).clamp_max_(math.nan), t_in_place.clamp_min_(tlo).clamp_max_(math.nan))


@pytest.mark.parametrize("name", ["clamp_min", "clamp_max"])
def test_clamp_min_and_max_gradients_match_torch(name):
    check_op(lambda x: getattr(x, name)(0.3), [(3, 4)], torch_fn=lambda x: getattr(x, name)(0.3))
    check_op(lambda x, b: getattr(cr, name)(x, b), [(3, 4), (4,)], torch_fn=lambda x, b: getattr(torch, name)(x, b))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_hardtanh_with_a_nan_bound_or_input_matches_torch_with_its_gradient(dtype):
    for lo, hi in [(math.nan, 1.0), (-1.0, math.nan), (math.nan, math.nan), (-0.5, 0.5), (-math.inf, 0.0)]:
        x = cr.tensor(padded(FLOATS, dtype), requires_grad=True)
        tx = torch.tensor(padded(FLOATS, dtype), requires_grad=True)
        out, want = cr.nn.functional.hardtanh(x, lo, hi), torch.nn.functional.hardtanh(tx, lo, hi)
        assert_same_bits(out, want)  # a NaN bound was "min_val (nan) cannot be greater than max_val"
        g = cr.autograd.grad(out.sum(), x, create_graph=True)[0]
        tg = torch.autograd.grad(want.sum(), tx)[0]
        assert_same_bits(g, tg)  # a NaN x passes the gradient, as in PyTorch
        assert_same_bits(cr.autograd.grad(cr.nn.functional.hardtanh(x, lo, hi).sum(), x)[0], tg)
    with pytest.raises(ValueError, match="min_val"):
        cr.nn.functional.hardtanh(cr.zeros(2), 1.0, -1.0)


# ------------------------------------------------------------------------ hardshrink, softshrink

@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_shrink_of_special_values_matches_torch_with_its_gradient(name, dtype):
    lambdas = [0.0, 0.5, 1.0, 2.5, 1e30] + ([math.nan, math.inf, -1.0] if name == "hardshrink" else [])
    for lambd in lambdas:
        x = cr.tensor(padded(FLOATS, dtype), requires_grad=True)
        tx = torch.tensor(padded(FLOATS, dtype), requires_grad=True)
        out = getattr(cr.nn.functional, name)(x, lambd)
        want = getattr(torch.nn.functional, name)(tx, lambd)
        assert_same_bits(out, want)  # NaN was 0, and softshrink(-0.0) lost its sign
        out.sum().backward()
        want.sum().backward()
        assert_same_bits(x.grad, tx.grad)


@pytest.mark.parametrize("lambd", [-1.0, math.nan, math.inf])
def test_softshrink_lambda_out_of_range_is_torchs_runtime_error(lambd):
    with pytest.raises(RuntimeError, match="lambda must be in range"):
        torch.nn.functional.softshrink(torch.zeros(2), lambd)
    with pytest.raises(RuntimeError, match=r"softshrink: lambda must be in range \[0, 3.40282e\+38\] for input "
                                           rf"dtype chainrule.float32, but found {lambd}"):
        cr.nn.functional.softshrink(cr.zeros(2), lambd)


# ---------------------------------------------------------------------------- nansum, nanmean

@pytest.mark.parametrize("name", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim", [None, 1, (0, 2), (-1,), [2, 0]])
@pytest.mark.parametrize("keepdim", [False, True])
def test_nan_reductions_skip_nan_over_tuple_dims_with_torchs_gradient(name, dim, keepdim):
    values = np.random.default_rng(0).standard_normal((3, 4, 5))
    values[values > 0.8] = math.nan
    values[0, :, 0] = math.nan  # a row that is all NaN: its nanmean is NaN
    x, tx = cr.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    args = () if dim is None else (dim, keepdim)
    out, want = getattr(cr, name)(x, *args), getattr(torch, name)(tx, *args)
    assert out.shape == want.shape
    np.testing.assert_allclose(out.detach().numpy(), want.detach().numpy(), rtol=1e-12, equal_nan=True)
    cr.nansum(out).backward()
    torch.nansum(want).backward()
    # An all-NaN slice of nanmean gets gradient 0 here; PyTorch's is inf * 0 = NaN there.
    their_grad = tx.grad.numpy()
    np.testing.assert_allclose(x.grad.numpy(), np.nan_to_num(their_grad, nan=0.0), rtol=1e-12)
    assert np.isnan(their_grad).any() == (name == "nanmean" and dim == 1)
    assert getattr(x, name)(*args).shape == out.shape  # the method too


@pytest.mark.parametrize("name", ["nansum", "nanmean"])
def test_nan_reductions_gradcheck_and_dtypes(name):
    check_op(lambda x: getattr(cr, name)(x, (0, 2)), [(2, 3, 4)], torch_fn=lambda x: getattr(torch, name)(x, (0, 2)))
    ints = cr.tensor([[1, 2], [3, 4]])
    if name == "nansum":
        assert cr.nansum(ints).item() == 10 and cr.nansum(ints).dtype == cr.int64
        assert cr.nansum(ints, 0, dtype=cr.float64).tolist() == [4.0, 6.0]
    else:
        with pytest.raises(RuntimeError, match="nanmean\\(\\): expected input to have floating point or complex "
                                               "dtype but got Long"):
            cr.nanmean(ints)
