"""Elementwise ops against NumPy (values, broadcasting, non-contiguous operands) and PyTorch (type
promotion of tensors, 0-d tensors and Python scalars; which dtypes each op accepts)."""
import math
import operator

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

NP_OF = {cr.float32: np.float32, cr.float64: np.float64, cr.int64: np.int64, cr.bool: np.bool_}
CR_DTYPES = [cr.bool, cr.int64, cr.float32, cr.float64]


def torch_dtype_name(dtype):
    return str(dtype).replace("torch.", "chainrule.")


def floats(*shape, low=-3.0, high=3.0):
    return np.random.uniform(low, high, shape).astype(np.float32)


# name -> (NumPy reference, input range) for float inputs.
BINARY = {
    "add": (np.add, (-3, 3)), "sub": (np.subtract, (-3, 3)), "mul": (np.multiply, (-3, 3)),
    "div": (np.divide, (0.5, 3)), "true_divide": (np.divide, (0.5, 3)), "pow": (np.power, (0.5, 2)),
    "maximum": (np.maximum, (-3, 3)), "minimum": (np.minimum, (-3, 3)),
    "floor_divide": (np.floor_divide, (0.5, 3)), "remainder": (np.remainder, (-3, 3)),
    "atan2": (np.arctan2, (-3, 3)),
    "eq": (np.equal, (-1, 1)), "ne": (np.not_equal, (-1, 1)), "lt": (np.less, (-3, 3)),
    "le": (np.less_equal, (-3, 3)), "gt": (np.greater, (-3, 3)), "ge": (np.greater_equal, (-3, 3)),
    "logical_and": (np.logical_and, (-1, 1)), "logical_or": (np.logical_or, (-1, 1)),
    "logical_xor": (np.logical_xor, (-1, 1)),
}
BITWISE = {"bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or, "bitwise_xor": np.bitwise_xor}

SHAPE_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ()), ((0, 3), (1, 3)),
               ((1,), (2, 2))]


def operands(name, shape_a, shape_b):
    lo, hi = BINARY[name][1]
    a, b = floats(*shape_a, low=lo, high=hi), floats(*shape_b, low=lo, high=hi)
    if name in ("eq", "ne", "logical_and", "logical_or", "logical_xor"):
        a, b = np.round(a), np.round(b)  # equal values and zeros occur
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shape_a, shape_b", SHAPE_PAIRS)
def test_binary_float_broadcasting(name, shape_a, shape_b):
    ref = BINARY[name][0]
    a, b = operands(name, shape_a, shape_b)
    want = ref(a.astype(np.float64), b.astype(np.float64))
    got = getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    assert_close(got, want, rtol=1e-5, atol=1e-5)
    assert_close(getattr(cr.tensor(a), name)(cr.tensor(b)), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_non_contiguous_operands(name):
    ref = BINARY[name][0]
    a, b = operands(name, (4, 6), (1, 4))
    c, _ = operands(name, (6, 8), ())
    transposed = cr.tensor(a).t()  # (6, 4)
    expanded = cr.tensor(b).expand(6, 4)  # stride 0 along dim 0
    strided = cr.tensor(c).as_strided((6, 4), (8, 2), 0)  # every other column
    a64, b64, c64 = a.T.astype(np.float64), np.broadcast_to(b, (6, 4)).astype(np.float64), c[:, ::2].astype(np.float64)
    assert_close(getattr(cr, name)(transposed, expanded), ref(a64, b64), rtol=1e-5, atol=1e-5)
    assert_close(getattr(cr, name)(strided, transposed), ref(c64, a64), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name, ref", list(BITWISE.items()))
@pytest.mark.parametrize("dtype", [cr.int64, cr.bool])
def test_bitwise(name, ref, dtype):
    a = np.random.randint(-50, 50, (3, 4)).astype(NP_OF[dtype])
    b = np.random.randint(-50, 50, (4,)).astype(NP_OF[dtype])
    got = getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    assert got.dtype == dtype
    assert_close(got, ref(a, b))
    with pytest.raises(TypeError, match=name):
        getattr(cr, name)(cr.tensor(a).float(), cr.tensor(b))


INT_BINARY = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "maximum": np.maximum, "minimum": np.minimum,
              "floor_divide": np.floor_divide, "remainder": np.remainder, "lt": np.less, "eq": np.equal}


@pytest.mark.parametrize("name, ref", list(INT_BINARY.items()))
def test_binary_int64(name, ref):
    a = np.random.randint(-20, 20, (4, 5))
    b = np.random.randint(1, 7, (5,)) * np.where(np.arange(5) % 2, 1, -1)
    got = getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    assert_close(got, ref(a, b))
    assert got.dtype == (cr.bool if name in ("lt", "eq") else cr.int64)


def test_int_pow_and_div():
    a = cr.tensor([2, -3, 0, 5])
    assert (a ** 3).tolist() == [8, -27, 0, 125]
    assert (a ** 0).tolist() == [1, 1, 1, 1]
    assert (a / 2).dtype == cr.float32
    assert_close(a / 2, np.array([1.0, -1.5, 0.0, 2.5]))
    assert cr.pow(cr.tensor([1, -1, 2]), cr.tensor([-1, -3, -1])).tolist() == [1, -1, 0]
    with pytest.raises(ValueError, match="pow"):
        a ** -1


@requires_torch
def test_int_div_rounding_modes_match_torch():
    a, b = [7, -7, 7, -7, 0], [2, 2, -2, -2, 3]
    for mode in (None, "trunc", "floor"):
        got = cr.div(cr.tensor(a), cr.tensor(b), rounding_mode=mode)
        want = torch.div(torch.tensor(a), torch.tensor(b), rounding_mode=mode)
        assert str(got.dtype) == torch_dtype_name(want.dtype)
        assert_close(got, want.numpy())
        assert_close(cr.tensor(a).div(2.5, rounding_mode=mode), torch.tensor(a).div(2.5, rounding_mode=mode).numpy())
    with pytest.raises(ValueError, match="rounding_mode"):
        cr.div(cr.tensor(a), 2, rounding_mode="round")


def test_integer_division_by_zero_raises():
    a = cr.tensor([1, 2, 3])
    for fn in (lambda: a // 0, lambda: a % 0, lambda: a // cr.tensor([1, 0, 1]), lambda: cr.remainder(a, cr.tensor(0)),
               lambda: a.floor_divide_(0)):
        with pytest.raises(RuntimeError, match="division by zero"):
            fn()
    assert math.isinf((a / 0).tolist()[0])  # true division is floating
    assert math.isnan((cr.tensor([0.0]) % 0).item())


def test_bool_subtraction_raises():
    m = cr.tensor([True, False])
    with pytest.raises(TypeError, match="sub"):
        m - m
    with pytest.raises(TypeError, match="sub"):
        m - True
    with pytest.raises(TypeError, match="sub"):
        cr.sub(m, m)
    for other in (1, 1.5, cr.tensor([1, 2]), cr.ones(2)):  # any bool operand, as in PyTorch
        with pytest.raises(TypeError, match="sub"):
            m - other
        with pytest.raises(TypeError, match="sub"):
            other - m
    with pytest.raises(TypeError, match="sub"):
        cr.ones(2).sub_(m)
    assert (m.long() - 1).tolist() == [0, -1]
    with pytest.raises(TypeError, match="neg"):
        -m


# operator -> NumPy reference; each is checked plain, reflected (scalar first) and in place.
OPERATORS = [(operator.add, np.add), (operator.sub, np.subtract), (operator.mul, np.multiply),
             (operator.truediv, np.divide), (operator.pow, np.power), (operator.floordiv, np.floor_divide),
             (operator.mod, np.remainder)]
IN_PLACE = {operator.add: operator.iadd, operator.sub: operator.isub, operator.mul: operator.imul,
            operator.truediv: operator.itruediv, operator.pow: operator.ipow, operator.floordiv: operator.ifloordiv,
            operator.mod: operator.imod}


@pytest.mark.parametrize("op, ref", OPERATORS, ids=[o.__name__ for o, _ in OPERATORS])
@pytest.mark.parametrize("scalar", [2, 1.5, True])
def test_operators_with_python_scalars(op, ref, scalar):
    a = floats(3, 4, low=0.5, high=3)
    t = cr.tensor(a)
    if op is operator.sub and scalar is True:
        with pytest.raises(TypeError, match="sub"):
            t - scalar
        return
    s64 = np.float64(scalar)
    assert_close(op(t, scalar), ref(a.astype(np.float64), s64).astype(np.float32), rtol=1e-5)
    assert_close(op(scalar, t), ref(s64, a.astype(np.float64)).astype(np.float32), rtol=1e-5)
    assert op(t, scalar).dtype == cr.float32 and op(scalar, t).dtype == cr.float32
    t2 = cr.tensor(a)
    storage = t2._storage_id()
    r = IN_PLACE[op](t2, scalar)
    assert r is t2 and t2._storage_id() == storage
    assert_close(t2, ref(a.astype(np.float64), s64), rtol=1e-5)


@pytest.mark.parametrize("op, ref", OPERATORS, ids=[o.__name__ for o, _ in OPERATORS])
def test_operators_with_tensors_and_in_place(op, ref):
    a, b = floats(3, 4, low=0.5, high=3), floats(4, low=0.5, high=3)
    want = ref(a.astype(np.float64), b.astype(np.float64))
    assert_close(op(cr.tensor(a), cr.tensor(b)), want, rtol=1e-5)
    t = cr.tensor(a)
    view = t.t()  # in-place through a view reaches the base
    IN_PLACE[op](view, cr.tensor(b).unsqueeze(1))
    assert_close(t, want, rtol=1e-5)
    assert_close(op(cr.tensor(a), b[0].item()), ref(a.astype(np.float64), np.float64(b[0])), rtol=1e-5)


def test_comparison_and_bitwise_operators():
    a, b = np.array([1, 2, 3, 4]), np.array([4, 2, 1, 4])
    ta, tb = cr.tensor(a), cr.tensor(b)
    for op in (operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge):
        assert_close(op(ta, tb), op(a, b))
        assert_close(op(ta, 2), op(a, 2))
        assert_close(op(2, ta), op(2, a))  # reflected through the other comparison
        assert op(ta, tb).dtype == cr.bool
    for op in (operator.and_, operator.or_, operator.xor):
        assert_close(op(ta, tb), op(a, b))
        assert_close(op(ta, 6), op(a, 6))
        assert_close(op(6, ta), op(6, a))
    assert_close(~ta, ~a)
    m = cr.tensor([True, False, True])
    assert (~m).tolist() == [False, True, False]
    m &= cr.tensor([True, True, False])
    assert m.tolist() == [True, False, False]
    m |= True
    assert m.tolist() == [True, True, True]
    m ^= cr.tensor([False, True, False])
    assert m.tolist() == [True, False, True]
    with pytest.raises(TypeError):
        ~cr.tensor([1.0])


def test_operators_with_unsupported_types():
    t = cr.ones(2)
    with pytest.raises(TypeError):
        t + "a"
    with pytest.raises(TypeError):
        t * None
    with pytest.raises(TypeError, match="add"):
        cr.add(t, "a")
    assert (t == "a") is False


def test_add_sub_alpha():
    a, b = floats(3), floats(3)
    assert_close(cr.add(cr.tensor(a), cr.tensor(b), alpha=2), a + 2 * b)
    assert_close(cr.tensor(a).sub(cr.tensor(b), alpha=0.5), a - 0.5 * b)
    t = cr.tensor(a)
    t.add_(cr.tensor(b), alpha=-1)
    assert_close(t, a - b)
    t.sub_(1, alpha=3)
    assert_close(t, a - b - 3)


@requires_torch
@pytest.mark.parametrize("name", ["add", "sub", "add_", "sub_"])
@pytest.mark.filterwarnings("ignore:This overload")
def test_add_sub_deprecated_alpha_first_form_as_pytorch(name):
    # old programs update parameters with p.data.add_(-lr, p.grad.data); PyTorch still runs it, warning
    a, b = floats(3), floats(3)
    t, tt = cr.tensor(a), torch.tensor(a)
    with pytest.warns(UserWarning, match="deprecated"):
        got = getattr(t, name)(-0.5, cr.tensor(b))
    want = getattr(tt, name)(-0.5, torch.tensor(b))  # PyTorch warns once a process
    assert_close(got, want.numpy())
    assert_close(t, tt.numpy())
    if not name.endswith("_"):
        with pytest.warns(UserWarning, match="deprecated"):
            assert_close(getattr(cr, name)(t, 2, cr.tensor(b)), getattr(torch, name)(tt, 2, torch.tensor(b)).numpy())
    for lib, x in ((cr, t), (torch, tt)):  # a tensor of values is the other operand, not alpha: the old form is wrong
        with pytest.raises(TypeError, match="positional argument"):
            getattr(x, name)(lib.ones(3), 2)


@pytest.mark.parametrize("op", [cr.Tensor.add_, cr.Tensor.mul_, cr.Tensor.sub_, cr.Tensor.div_])
def test_in_place_dtype_errors(op):
    i = cr.tensor([1, 2, 3])
    with pytest.raises(RuntimeError, match="can't be cast"):
        op(i, 1.5)
    with pytest.raises(RuntimeError, match="can't be cast"):
        op(i, cr.tensor([1.0, 2.0, 3.0]))
    if op is not cr.Tensor.div_:
        op(i, 2)  # int into int is fine
        b = cr.tensor([True, False])
        with pytest.raises((RuntimeError, TypeError), match="can't be cast|sub"):
            op(b, 2)
    with pytest.raises(RuntimeError, match="can't be cast"):
        i.div_(2)  # true division is floating
    f = cr.ones(3)
    op(f, cr.tensor([1, 2, 3]))  # int into float is fine
    op(f, cr.tensor(2.0, dtype=cr.float64))  # 0-d float64 into float32 is fine


def test_in_place_broadcast_errors():
    t = cr.ones(3, 1)
    with pytest.raises(ValueError, match="broadcast"):
        t.add_(cr.ones(3, 4))
    with pytest.raises(ValueError, match="add"):
        cr.ones(3) + cr.ones(4)
    with pytest.raises(ValueError):
        cr.ones(2, 3) * cr.ones(3, 2)


def test_in_place_with_aliasing_operand():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = cr.tensor(a)
    t.add_(t.flatten().view(3, 2).t())  # the operand overlaps self in a different order
    assert_close(t, a + a.reshape(3, 2).T)
    u = cr.tensor(a)
    u.mul_(u)
    assert_close(u, a * a)


def test_in_place_bumps_version():
    t = cr.ones(3)
    v0 = t._version
    t.add_(1)
    t.exp_()
    t.clamp_(max=5)
    assert t._version >= v0 + 3


# name -> (NumPy reference, input range).
UNARY = {
    "neg": (np.negative, (-3, 3)), "abs": (np.abs, (-3, 3)), "sign": (np.sign, (-3, 3)),
    "relu": (lambda x: np.maximum(x, 0), (-3, 3)), "square": (np.square, (-3, 3)), "floor": (np.floor, (-3, 3)),
    "ceil": (np.ceil, (-3, 3)), "round": (np.round, (-3, 3)), "trunc": (np.trunc, (-3, 3)),
    "exp": (np.exp, (-3, 3)), "log": (np.log, (0.1, 3)), "log2": (np.log2, (0.1, 3)), "log10": (np.log10, (0.1, 3)),
    "log1p": (np.log1p, (-0.5, 3)), "expm1": (np.expm1, (-3, 3)), "sqrt": (np.sqrt, (0.1, 3)),
    "rsqrt": (lambda x: 1 / np.sqrt(x), (0.1, 3)), "reciprocal": (np.reciprocal, (0.5, 3)),
    "sin": (np.sin, (-3, 3)), "cos": (np.cos, (-3, 3)), "tan": (np.tan, (-1, 1)), "tanh": (np.tanh, (-3, 3)),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), (-8, 8)), "erf": (np.vectorize(math.erf), (-3, 3)),
    "asin": (np.arcsin, (-0.99, 0.99)), "acos": (np.arccos, (-0.99, 0.99)), "atan": (np.arctan, (-3, 3)),
    "sinh": (np.sinh, (-3, 3)), "cosh": (np.cosh, (-3, 3)), "logical_not": (np.logical_not, (-1, 1)),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("dtype", [cr.float32, cr.float64])
def test_unary_float(name, dtype):
    ref, (lo, hi) = UNARY[name]
    a = np.random.uniform(lo, hi, (4, 5)).astype(NP_OF[dtype])
    if name == "logical_not":
        a = np.round(a)
    want = ref(a.astype(np.float64))
    rtol = 1e-5 if dtype == cr.float32 else 1e-12
    t = cr.tensor(a)
    got = getattr(cr, name)(t)
    assert got.dtype == (cr.bool if name == "logical_not" else dtype)
    assert_close(got, want, rtol=rtol, atol=rtol)
    assert_close(getattr(t.t(), name)(), ref(a.T.astype(np.float64)), rtol=rtol, atol=rtol)  # non-contiguous
    assert_close(getattr(cr.tensor(a[0, 0]), name)(), ref(np.float64(a[0, 0])), rtol=rtol, atol=rtol)  # 0-d
    assert getattr(cr.zeros(0, 3, dtype=dtype), name)().shape == (0, 3)
    if name != "logical_not":
        base = cr.tensor(a)
        r = getattr(base.t(), name + "_")()  # in place through a view
        assert_close(base, want, rtol=rtol, atol=rtol)
        assert r.shape == (5, 4)


def test_unary_special_values():
    x = cr.tensor([float("nan"), float("inf"), -float("inf"), -0.0, 0.0])
    assert_close(cr.relu(x), np.array([np.nan, np.inf, 0, 0, 0]))
    assert_close(cr.sign(x), np.array([0, 1, -1, 0, 0]))  # sign(NaN) is 0 as in PyTorch (NumPy: NaN)
    assert_close(cr.sigmoid(x), np.array([np.nan, 1, 0, 0.5, 0.5]))
    assert_close(cr.tensor([0.5, 1.5, 2.5, -0.5]).round(), np.array([0.0, 2.0, 2.0, -0.0]))  # half to even
    assert_close(cr.exp(cr.tensor([100.0])), np.array([np.inf]))
    assert_close(cr.sigmoid(cr.tensor([-100.0, 100.0])), np.array([0.0, 1.0]))


@requires_torch
@pytest.mark.parametrize("name", list(UNARY) + ["bitwise_not"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_unary_integer_dtypes_match_torch(name, dtype):
    values = [-2, 0, 1, 3] if dtype == "int64" else [True, False, True, True]
    ref = torch.tensor(values, dtype=getattr(torch, dtype))
    t = cr.tensor(values, dtype=getattr(cr, dtype))
    try:
        want = getattr(torch, name)(ref)
    except (RuntimeError, TypeError):
        with pytest.raises((TypeError, RuntimeError), match=name):
            getattr(cr, name)(t)
        return
    got = getattr(cr, name)(t)
    assert str(got.dtype) == torch_dtype_name(want.dtype)
    assert_close(got, want.numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("name", ["neg", "abs", "exp", "sqrt", "floor", "sigmoid", "logical_not", "bitwise_not"])
@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_unary_in_place_integer_rules_match_torch(name, dtype):
    values = [1, 0, 1] if dtype == "bool" else [4, 0, 9]
    ref = torch.tensor(values, dtype=getattr(torch, dtype))
    t = cr.tensor(values, dtype=getattr(cr, dtype))
    try:
        getattr(ref, name + "_")()
    except (RuntimeError, TypeError):
        with pytest.raises((TypeError, RuntimeError)):
            getattr(t, name + "_")()
        return
    getattr(t, name + "_")()
    assert t.tolist() == ref.tolist()


@pytest.mark.parametrize("lo, hi", [(-1, 1), (None, 0.5), (0, None), (-1.5, -2.0)])
def test_clamp(lo, hi):
    a = floats(3, 4)
    want = a
    if lo is not None:
        want = np.maximum(want, lo)
    if hi is not None:
        want = np.minimum(want, hi)
    assert_close(cr.clamp(cr.tensor(a), lo, hi), want)
    assert_close(cr.tensor(a).t().clip(min=lo, max=hi), want.T)
    t = cr.tensor(a)
    t.clamp_(lo, hi)
    assert_close(t, want)


def test_clamp_tensor_bounds_and_ints():
    a = floats(3, 4)
    lo, hi = floats(4, low=-2, high=0), floats(3, 1, low=0, high=2)
    assert_close(cr.tensor(a).clamp(cr.tensor(lo), cr.tensor(hi)), np.minimum(np.maximum(a, lo), hi))
    i = cr.tensor([-5, 0, 5])
    assert cr.clamp(i, -2, 2).tolist() == [-2, 0, 2] and cr.clamp(i, -2, 2).dtype == cr.int64
    assert cr.clamp(i, -2.5, 2.5).dtype == cr.float32
    x = cr.tensor([float("nan"), 1.0])
    assert math.isnan(cr.clamp(x, 0, 0.5).tolist()[0])


@requires_torch
def test_clamp_dtypes_match_torch():
    for values in ([-5, 0, 5], [-5.0, 0.5, 5.0]):
        for bounds in ((-2, 2), (-2.5, 2.5), (None, 1), (0.5, None)):
            got = cr.clamp(cr.tensor(values), *bounds)
            want = torch.clamp(torch.tensor(values), *bounds)
            assert str(got.dtype) == torch_dtype_name(want.dtype)
            assert_close(got, want.numpy())


@pytest.mark.parametrize("shapes", [((3, 4), (3, 4), (3, 4)), ((3, 1), (4,), (3, 4)), ((4,), (), (2, 1, 4))])
def test_where(shapes):
    cs, as_, bs = shapes
    c = np.random.rand(*cs) > 0.5
    a, b = floats(*as_), floats(*bs)
    assert_close(cr.where(cr.tensor(c), cr.tensor(a), cr.tensor(b)), np.where(c, a, b))
    assert_close(cr.tensor(a).where(cr.tensor(c), cr.tensor(b)), np.where(c, a, b))
    assert_close(cr.where(cr.tensor(c), cr.tensor(a), 0.0), np.where(c, a, 0.0))
    assert_close(cr.where(cr.tensor(c), 1.0, cr.tensor(b)), np.where(c, 1.0, b))


@requires_torch
def test_where_dtypes_match_torch():
    c = [True, False]
    for x, y in [([1, 2], [1.5, 2.5]), ([1, 2], 0.5), (1, [1.0, 2.0]), ([True, False], 2), ([1.0, 2.0], 3)]:
        cx = cr.tensor(x) if isinstance(x, list) else x
        cy = cr.tensor(y) if isinstance(y, list) else y
        tx = torch.tensor(x) if isinstance(x, list) else x
        ty = torch.tensor(y) if isinstance(y, list) else y
        got, want = cr.where(cr.tensor(c), cx, cy), torch.where(torch.tensor(c), tx, ty)
        assert str(got.dtype) == torch_dtype_name(want.dtype), (x, y)
        assert_close(got, want.numpy())


def test_where_needs_bool_condition_and_broadcastable_shapes():
    with pytest.raises(TypeError, match="where"):
        cr.where(cr.tensor([1, 0]), cr.ones(2), cr.zeros(2))
    with pytest.raises(ValueError, match="where"):
        cr.where(cr.tensor([True, False, True]), cr.ones(2), cr.zeros(2))


def test_nan_propagation_in_maximum_minimum():
    a = cr.tensor([float("nan"), 1.0, 2.0])
    b = cr.tensor([0.0, float("nan"), 1.0])
    assert_close(cr.maximum(a, b), np.maximum(a.numpy(), b.numpy()))
    assert_close(cr.minimum(a, b), np.minimum(a.numpy(), b.numpy()))


def _sample(kind, dtype):
    """A chainrule and a torch operand: a (2, 3) tensor, a 0-d tensor or a Python scalar."""
    values = {"bool": True, "int64": 3, "float32": 1.5, "float64": 2.5}
    if kind == "scalar":
        py = {"bool": True, "int64": 3, "float32": 1.5, "float64": 1.5}[dtype]
        return py, py
    if kind == "0d":
        v = values[dtype]
        return cr.tensor(v, dtype=getattr(cr, dtype)), torch.tensor(v, dtype=getattr(torch, dtype))
    arr = np.full((2, 3), values[dtype]).astype(dtype)
    return cr.tensor(arr), torch.from_numpy(arr.copy())


PROMOTION_OPS = ["add", "mul", "div", "maximum", "eq", "floor_divide", "pow", "remainder", "atan2", "logical_and",
                 "sub"]
# Ops with a Python operator: with a Python scalar operand both libraries are called through it
# (torch.maximum & co. take no Python numbers).
OPERATOR_OF = {"add": operator.add, "mul": operator.mul, "div": operator.truediv, "eq": operator.eq,
               "floor_divide": operator.floordiv, "pow": operator.pow, "remainder": operator.mod, "sub": operator.sub}
# Where chainrule is deliberately stricter than PyTorch: bool_tensor ** True raises instead of giving bool.
STRICTER = {("pow", "bool", "bool")}
KINDS = [("tensor", "tensor"), ("tensor", "0d"), ("0d", "tensor"), ("0d", "0d"), ("tensor", "scalar"),
         ("scalar", "tensor"), ("0d", "scalar")]
DTYPE_NAMES = ["bool", "int64", "float32", "float64"]


@requires_torch
@pytest.mark.parametrize("op", PROMOTION_OPS)
@pytest.mark.parametrize("kinds", KINDS, ids=["-".join(k) for k in KINDS])
def test_type_promotion_matches_torch(op, kinds):
    """Every dtype pair: both libraries raise, or both give the same dtype and values."""
    with_scalar = "scalar" in kinds
    if with_scalar and op not in OPERATOR_OF:
        pytest.skip(f"torch.{op} takes no Python scalars")
    cr_fn = OPERATOR_OF[op] if with_scalar else getattr(cr, op)
    torch_fn = OPERATOR_OF[op] if with_scalar else getattr(torch, op)
    scalar_dtypes = ["bool", "int64", "float32"]
    mismatches = []
    for da in (scalar_dtypes if kinds[0] == "scalar" else DTYPE_NAMES):
        for db in (scalar_dtypes if kinds[1] == "scalar" else DTYPE_NAMES):
            ca, ta = _sample(kinds[0], da)
            cb, tb = _sample(kinds[1], db)
            try:
                want = torch_fn(ta, tb)
            except (RuntimeError, TypeError):
                try:
                    cr_fn(ca, cb)
                    mismatches.append((da, db, "torch raises, chainrule does not"))
                except (RuntimeError, TypeError, ValueError):
                    pass
                continue
            try:
                got = cr_fn(ca, cb)
            except (RuntimeError, TypeError, ValueError) as e:
                if (op, da, db) not in STRICTER:
                    mismatches.append((da, db, f"chainrule raises {e}"))
                continue
            if str(got.dtype) != torch_dtype_name(want.dtype):
                mismatches.append((da, db, f"{got.dtype} != {want.dtype}"))
            elif not np.allclose(got.numpy().astype(np.float64), want.numpy().astype(np.float64), rtol=1e-5):
                mismatches.append((da, db, f"values {got.tolist()} != {want.tolist()}"))
    assert not mismatches, mismatches


@requires_torch
@pytest.mark.parametrize("op", ["add_", "mul_", "div_", "sub_"])
def test_in_place_promotion_matches_torch(op):
    mismatches = []
    for da in DTYPE_NAMES:
        for db in DTYPE_NAMES:
            for kind in ("tensor", "0d", "scalar"):
                if kind == "scalar" and db == "float64":
                    continue
                ca, ta = _sample("tensor", da)
                cb, tb = _sample(kind, db)
                try:
                    getattr(ta, op)(tb)
                except (RuntimeError, TypeError):
                    try:
                        getattr(ca, op)(cb)
                        mismatches.append((da, db, kind, "torch raises, chainrule does not"))
                    except (RuntimeError, TypeError):
                        pass
                    continue
                try:
                    getattr(ca, op)(cb)
                except (RuntimeError, TypeError) as e:
                    mismatches.append((da, db, kind, f"chainrule raises {e}"))
                    continue
                if ca.tolist() != ta.tolist() and not np.allclose(ca.numpy(), ta.numpy()):
                    mismatches.append((da, db, kind, f"{ca.tolist()} != {ta.tolist()}"))
    assert not mismatches, mismatches


def test_python_scalars_do_not_widen_tensors():
    t = cr.ones(2)
    assert (t + 2**40).dtype == cr.float32
    assert (t * 1e300).dtype == cr.float32
    assert (cr.tensor([1, 2]) + True).dtype == cr.int64
    assert (cr.tensor([True]) + 1).dtype == cr.int64
    assert (cr.tensor([True]) * 1.5).dtype == cr.float32
    assert (cr.tensor([1, 2]) * 0.5).dtype == cr.float32
    assert (cr.tensor([1.0], dtype=cr.float64) + 1.5).dtype == cr.float64
    with pytest.raises(ValueError, match="int64"):
        cr.tensor([1]) + 2**70


@requires_torch
@pytest.mark.parametrize("values", [[0.0, 1.0, -2.5], [0, 3, -1], [True, False]])
def test_logical_not_in_place_keeps_the_dtype_as_torch(values):
    ours, ref = cr.tensor(values), torch.tensor(values)
    assert ours.logical_not_() is not None and ref.logical_not_() is not None
    assert ours.tolist() == ref.tolist() and str(ours.dtype).split(".")[-1] == str(ref.dtype).split(".")[-1]


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_number_over_tensor_is_reciprocal_times_number_as_in_pytorch(dtype):
    # PyTorch's Tensor.__rtruediv__ is self.reciprocal() * other: two roundings, MulBackward0
    values = np.random.default_rng(3).standard_normal(2000) * 5
    ours = cr.tensor(values).to(getattr(cr, dtype))
    theirs = torch.tensor(values).to(getattr(torch, dtype))
    got, want = 1.7 / ours, 1.7 / theirs
    assert torch_dtype_name(want.dtype) == str(got.dtype)
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    if dtype.startswith("float"):
        x = cr.tensor([2.0, 3.0], requires_grad=True)
        assert (1.7 / x).grad_fn.name() == "MulBackward0"
