"""Fuzz: elementwise ops (unary, activations, binary with broadcasting and type promotion over
float32/float64/int64/bool, Python scalar operands, in-place forms, where/clamp/lerp/addcmul)
against PyTorch, each case in a child process (fuzz_harness.py)."""
import chainrule as cr
from hypothesis import given
from hypothesis import strategies as st

from conftest import requires_torch
from fuzz_harness import FUZZ_SETTINGS, Case, check, tolerances
from fuzz_worker import D
from fuzz_strategies import FLOATS, broadcast_partner, dtypes, tensors

pytestmark = requires_torch

UNARY = [name for name in
         ["abs", "neg", "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "rsqrt", "sin", "cos", "tan", "asin",
          "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "relu", "floor", "ceil", "round", "trunc", "sign",
          "reciprocal", "square", "erf", "logical_not", "bitwise_not", "isnan", "isinf", "isfinite", "nan_to_num"]
         if hasattr(cr, name)]  # the rest of torch's unary ops are not in chainrule yet (docs/from_pytorch.md)

# name -> strategy of its keyword arguments.
ACTIVATIONS = {
    "relu6": st.just({}), "elu": st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5, -2.0])}),
    "selu": st.just({}), "celu": st.fixed_dictionaries({"alpha": st.sampled_from([1.0, 0.5, 2.0])}),
    "gelu": st.fixed_dictionaries({"approximate": st.sampled_from(["none", "tanh"])}), "silu": st.just({}),
    "mish": st.just({}), "softplus": st.fixed_dictionaries({"beta": st.sampled_from([1.0, 2.0, 0.5]),
                                                             "threshold": st.sampled_from([20.0, 1.0])}),
    "hardtanh": st.fixed_dictionaries({"min_val": st.sampled_from([-1.0, -2.0]), "max_val": st.sampled_from([1.0, 0.5])}),
    "hardsigmoid": st.just({}), "hardswish": st.just({}), "logsigmoid": st.just({}), "softsign": st.just({}),
    "tanhshrink": st.just({}), "leaky_relu": st.fixed_dictionaries({"negative_slope": st.sampled_from([0.01, 0.2, -1.0])}),
    "hardshrink": st.fixed_dictionaries({"lambd": st.sampled_from([0.5, 0.0, 2.0])}),
    "softshrink": st.fixed_dictionaries({"lambd": st.sampled_from([0.5, 0.0, 2.0])}),
}

BINARY = [name for name in
          ["add", "sub", "mul", "div", "true_divide", "floor_divide", "remainder", "pow", "atan2", "maximum", "minimum",
           "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift"] if hasattr(cr, name)]
SCALARS = st.sampled_from([0, 1, -3, 2.5, -0.5, True, False, 2**62, float("nan"), float("inf"), 1e300])


def result_dtype(*operands):
    """The widest float dtype among the tensor operands (for the tolerance), else exact."""
    kinds = [getattr(o, "array", None) for o in operands]
    return "float32" if any(a is not None and a.dtype.name == "float32" for a in kinds) else "float64"


@FUZZ_SETTINGS
@given(name=st.sampled_from(UNARY), x=tensors())
def test_unary(name, x):
    check(Case("fn", name, (x,)), *tolerances(x.array.dtype.name))


@FUZZ_SETTINGS
@given(name=st.sampled_from(sorted(ACTIVATIONS)), data=st.data())
def test_activation(name, data):
    x = data.draw(tensors(dtype=data.draw(st.sampled_from(FLOATS + ["int64"]))))
    check(Case("F", name, (x,), data.draw(ACTIVATIONS[name])), *tolerances(x.array.dtype.name))


@FUZZ_SETTINGS
@given(name=st.sampled_from(BINARY), data=st.data())
def test_binary_broadcast_and_promotion(name, data):
    a = data.draw(tensors())
    b = data.draw(tensors(shape=data.draw(broadcast_partner(a.array.shape))))
    if data.draw(st.booleans()):
        a, b = b, a
    check(Case("fn", name, (a, b)), *tolerances(result_dtype(a, b)))


@FUZZ_SETTINGS
@given(name=st.sampled_from(BINARY), data=st.data())
def test_binary_with_a_python_scalar(name, data):
    x = data.draw(tensors())
    scalar = data.draw(SCALARS)
    args = (scalar, x) if data.draw(st.booleans()) and name in ("add", "mul", "maximum") else (x, scalar)
    if name in ("maximum", "minimum", "atan2"):
        args = (x, x)  # torch takes no scalar here; the same tensor twice instead
    check(Case("fn", name, args), *tolerances(result_dtype(x)))


@FUZZ_SETTINGS
@given(name=st.sampled_from(["add_", "sub_", "mul_", "div_", "pow_", "remainder_", "floor_divide_",
                             "bitwise_left_shift_", "bitwise_right_shift_"]), data=st.data())
def test_in_place_binary(name, data):
    a = data.draw(tensors())
    other = data.draw(st.one_of(tensors(shape=data.draw(broadcast_partner(a.array.shape))), SCALARS))
    check(Case("method", name, (a, other)), *tolerances(result_dtype(a, other)))


@FUZZ_SETTINGS
@given(data=st.data())
def test_where(data):
    cond = data.draw(tensors(dtype="bool"))
    a = data.draw(tensors(shape=data.draw(broadcast_partner(cond.array.shape))))
    b = data.draw(st.one_of(tensors(shape=data.draw(broadcast_partner(cond.array.shape))), SCALARS))
    check(Case("fn", "where", (cond, a, b)), *tolerances(result_dtype(a, b)))


@FUZZ_SETTINGS
@given(data=st.data())
def test_clamp(data):
    x = data.draw(tensors())
    scalar = st.one_of(st.none(), st.sampled_from([-1, 0, 2, -0.5, 1.5, float("inf"), float("nan")]))
    tensor = st.one_of(st.none(), tensors(shape=data.draw(broadcast_partner(x.array.shape))))
    bound = data.draw(st.sampled_from([scalar, tensor]))  # PyTorch takes two numbers or two tensors
    check(Case("fn", "clamp", (x, data.draw(bound), data.draw(bound))), *tolerances(result_dtype(x)))


@FUZZ_SETTINGS
@given(name=st.sampled_from(["lerp", "addcmul", "addcdiv"]), data=st.data())
def test_ternary(name, data):
    # No values near the dtype's limit: PyTorch's fused kernels overflow at other steps than the
    # composed ones (lerp(0, 9e307, -2.0) is -1.8e308 there, -inf here): rounding, not a defect.
    dtype = data.draw(dtypes)
    a = data.draw(tensors(dtype=dtype, kinds=["small", "normal", "special"]))
    b, c = (data.draw(tensors(shape=data.draw(broadcast_partner(a.array.shape)), dtype=dtype,
                              kinds=["small", "normal", "special"])) for _ in range(2))
    # A float `value` with int64 tensors: PyTorch truncates it (addcmul(3, 3, 3, value=0.5) is 3),
    # chainrule promotes (7.5); listed in issue 15's fuzz report, kept out until decided.
    scalar = data.draw(st.sampled_from([0.5, 1, -2.0] if dtype in FLOATS else [1, -2]))
    kwargs = {} if name == "lerp" else {"value": scalar}
    third = data.draw(st.one_of(st.just(c), st.just(scalar))) if name == "lerp" else c
    check(Case("fn", name, (a, b, third), kwargs), *tolerances(dtype))


@FUZZ_SETTINGS
@given(x=tensors(), dtype=dtypes)
def test_type_conversion(x, dtype):
    """.to(dtype) of every value kind: NaN/inf into int64 raise in both (or both wrap, as PyTorch does)."""
    check(Case("method", "to", (x, D(dtype))), *tolerances(dtype))
