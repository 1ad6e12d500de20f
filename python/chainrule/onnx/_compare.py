"""ONNX converters for comparisons, logical ops on bool tensors, where and masked_fill (the mask
handling of models: `tokens != pad`, `scores.masked_fill(mask, -inf)`).
"""
from chainrule._C import Tensor, dtype as _dtype
from chainrule.onnx._elementwise import operand
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import converts


def _common_dtype(a, b):
    """The dtype both sides of a comparison are compared in (chainrule's promotion, by category)."""
    dtypes = [x.dtype for x in (a, b) if isinstance(x, Tensor)]
    for candidate in (_dtype.float64, _dtype.float32):
        if candidate in dtypes:
            return candidate
    if any(isinstance(x, float) for x in (a, b)):
        return _dtype.float32
    if _dtype.int64 in dtypes or any(isinstance(x, int) and not isinstance(x, bool) for x in (a, b)):
        return _dtype.int64
    return _dtype.bool


def _comparison(op_type, negate=False):
    def convert(g, out, input, other):
        dtype = _common_dtype(input, other)
        result = g.node(op_type, [operand(g, input, dtype), operand(g, other, dtype)])
        return g.node("Not", [result]) if negate else result
    return convert


converts("eq", "__eq__")(_comparison("Equal"))
converts("ne", "not_equal", "__ne__")(_comparison("Equal", negate=True))
converts("lt", "less", "__lt__")(_comparison("Less"))
converts("le", "less_equal", "__le__")(_comparison("LessOrEqual"))
converts("gt", "greater", "__gt__")(_comparison("Greater"))
converts("ge", "greater_equal", "__ge__")(_comparison("GreaterOrEqual"))


def _logical(op_type):
    """logical_and(a, b) on any dtypes; the operators &, |, ^ only on bool tensors (ONNX's bitwise ops
    on integers are not converted)."""
    def convert(g, out, input, other):
        if out.dtype != _dtype.bool and not op_type.startswith("logical"):
            raise UnsupportedOperatorError(f"chainrule.onnx.export: bitwise ops on {out.dtype} tensors {g.where()} "
                                           "are not supported (only on bool tensors)")
        return g.node(op_type.split(".")[-1], [operand(g, input, _dtype.bool), operand(g, other, _dtype.bool)])
    return convert


for _name, _op in [("and", "And"), ("or", "Or"), ("xor", "Xor")]:
    converts(f"logical_{_name}")(_logical(f"logical.{_op}"))
    converts(f"__{_name}__", f"__r{_name}__")(_logical(_op))


@converts("logical_not", "__invert__")
def _logical_not(g, out, input):
    if out.dtype != _dtype.bool:
        raise UnsupportedOperatorError(f"chainrule.onnx.export: ~ on {out.dtype} tensors {g.where()} is not supported")
    return g.node("Not", [operand(g, input, _dtype.bool)])


@converts("where")
def _where(g, out, condition, input, other):
    return g.node("Where", [operand(g, condition, _dtype.bool), operand(g, input, out.dtype),
                            operand(g, other, out.dtype)])


@converts("Tensor.where")
def _tensor_where(g, out, input, condition, other):
    return _where(g, out, condition, input, other)


@converts("masked_fill", "masked_fill_")
def _masked_fill(g, out, input, mask, value):
    return g.node("Where", [operand(g, mask, _dtype.bool), operand(g, value, out.dtype), g.value(input)])
