"""The GPU's elementwise kernels (cpp/cuda/elementwise.cu) against chainrule's CPU results, which
the rest of the suite checks against PyTorch: every unary and binary op for every dtype it takes,
with NaN, infinities, signed zeros and negative divisors, shift amounts outside [0, 64), broadcast
and transposed operands, a Python number, a 0-d CPU tensor beside GPU tensors, and where. Needs a
GPU and says so."""
import numpy as np
import pytest

import chainrule as cr

pytestmark = pytest.mark.skipif(not cr.cuda.is_available(), reason="no CUDA device")

FLOATS = [-7.5, -2.0, -1.0, -0.5, -0.0, 0.0, 0.25, 1.0, 3.0, float("inf"), float("-inf"), float("nan")]
INTS = [-7, -3, -1, 0, 1, 2, 5, 9]
UNARY = ["neg", "abs", "sign", "relu", "square", "floor", "ceil", "round", "trunc", "exp", "log", "log2", "log10",
         "log1p", "expm1", "sqrt", "rsqrt", "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "asin",
         "acos", "atan", "sinh", "cosh", "logical_not", "bitwise_not"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "floor_divide", "remainder", "atan2", "fmod",
          "xlogy", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and",
          "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"]


def values(dtype):
    if dtype == cr.bool:
        return cr.tensor([True, False, True, False])
    return cr.tensor(INTS if dtype == cr.int64 else FLOATS, dtype=dtype)


def same(gpu, cpu):
    assert gpu.device.type == "cuda" and gpu.dtype == cpu.dtype and gpu.shape == cpu.shape
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), rtol=1e-6 if cpu.dtype == cr.float32 else 1e-12,
                               atol=0, equal_nan=True)


def outcome(fn):
    """fn()'s result, or the type of the error it raises (GPU and CPU must agree on both)."""
    try:
        return fn()
    except (TypeError, ValueError, RuntimeError) as error:
        return type(error)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64, cr.bool], ids=str)
@pytest.mark.parametrize("name", UNARY)
def test_unary_ops_match_the_cpu(name, dtype):
    x = values(dtype)
    cpu = outcome(lambda: getattr(cr, name)(x))
    if isinstance(cpu, type):
        pytest.skip(f"{name} does not take {dtype} ({cpu.__name__} on the CPU too)")
    same(getattr(cr, name)(x.cuda()), cpu)


@pytest.mark.parametrize("dtype", [cr.float32, cr.float64, cr.int64, cr.bool], ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary_ops_match_the_cpu_broadcast_and_transposed(name, dtype):
    base = values(dtype)
    a = base.reshape(-1, 1)                  # (n, 1) against (1, n): every pair of values
    b = base.flip(0).reshape(1, -1)
    divides = name in ("floor_divide", "remainder", "fmod", "div")
    if dtype == cr.int64 and divides:        # the CPU raises on integer division by zero
        b = cr.where(b == 0, cr.ones_like(b), b)
    cpu = outcome(lambda: getattr(cr, name)(a, b))
    if isinstance(cpu, type):
        pytest.skip(f"{name} does not take {dtype} ({cpu.__name__} on the CPU too)")
    same(getattr(cr, name)(a.cuda(), b.cuda()), cpu)
    square = getattr(cr, name)(a, b).t().contiguous()  # a transposed GPU operand
    same(getattr(cr, name)(a.expand(-1, b.shape[1]).cuda().t(), b.expand(a.shape[0], -1).cuda().t()), square)


@pytest.mark.parametrize("name", ["bitwise_left_shift", "bitwise_right_shift"])
def test_shifts_by_amounts_outside_0_to_63_match_the_cpu(name):
    """Every edge value by every amount, the out-of-range ones included (0 or the sign), and a
    number on either side; compared exactly (int64 extremes differ by less than rtol)."""
    a = cr.tensor([0, 1, -1, 5, -5, -(2**63), 2**63 - 1]).reshape(-1, 1)
    b = cr.tensor([-100, -1, 0, 1, 63, 64, 100]).reshape(1, -1)
    shift = getattr(cr, name)
    for gpu, cpu in [(shift(a.cuda(), b.cuda()), shift(a, b)), (shift(a.cuda(), 64), shift(a, 64)),
                     (shift(-3, b.cuda()), shift(-3, b))]:
        same(gpu, cpu)
        assert gpu.cpu().tolist() == cpu.tolist()


def test_numbers_and_zero_dim_cpu_tensors_join_gpu_tensors():
    x = cr.tensor([1.0, -2.0, 3.0])
    same(x.cuda() * 2.5, x * 2.5)
    same(2 ** x.cuda(), 2 ** x)
    same(x.cuda() + cr.tensor(4.0), x + cr.tensor(4.0))  # a 0-d CPU tensor goes with any device
    same((x.cuda() > 0).logical_not(), (x > 0).logical_not())


def test_where_matches_the_cpu():
    cond = cr.tensor([[True, False, True]])
    a, b = cr.arange(6.0).reshape(2, 3), cr.tensor([-1.0])
    same(cr.where(cond.cuda(), a.cuda(), b.cuda()), cr.where(cond, a, b))
    same(cr.where(cond.cuda(), a.cuda(), 0.5), cr.where(cond, a, 0.5))


def test_clamp_matches_the_cpu_with_number_and_tensor_bounds():
    x = values(cr.float32)
    same(x.cuda().clamp(-1.0, 2.0), x.clamp(-1.0, 2.0))
    same(x.cuda().clamp(min=0.5), x.clamp(min=0.5))
    same(x.cuda().clamp(max=cr.tensor(0.25).cuda()), x.clamp(max=cr.tensor(0.25)))
