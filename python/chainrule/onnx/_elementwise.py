"""ONNX converters for elementwise ops: arithmetic (operators included), unary math, activations and
softmax. Each converter takes the traced call's arguments with torch's signature (see _registry.py).
`inplace=` arguments change nothing in a graph and are accepted as such.
"""
import math

from chainrule._C import Tensor
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import converts


def operand(g, x, dtype):
    """The value name of a tensor or Python number as `dtype` (ONNX ops need equal input types)."""
    if isinstance(x, Tensor):
        name = g.value(x)
        return name if x.dtype == dtype else g.cast(name, dtype)
    return g.scalar(x, dtype)


def _binary(op_type, reflected=False):
    """A converter for `input <op> other` (or `other <op> input` for the reflected operators)."""
    def convert(g, out, input, other):
        a, b = operand(g, input, out.dtype), operand(g, other, out.dtype)
        return g.node(op_type, [b, a] if reflected else [a, b])
    return convert


converts("mul", "mul_", "multiply", "__mul__", "__rmul__", "__imul__")(_binary("Mul"))
converts("maximum", "maximum_")(_binary("Max"))
converts("minimum", "minimum_")(_binary("Min"))
converts("pow", "pow_", "__pow__", "__ipow__")(_binary("Pow"))
converts("__rpow__")(_binary("Pow", reflected=True))
converts("__rsub__")(_binary("Sub", reflected=True))
converts("__rtruediv__")(_binary("Div", reflected=True))
converts("matmul", "mm", "bmm", "__matmul__")(_binary("MatMul"))
converts("__rmatmul__")(_binary("MatMul", reflected=True))


def _add_or_sub(op_type):
    def convert(g, out, input, other, *, alpha=1):
        a, b = operand(g, input, out.dtype), operand(g, other, out.dtype)
        if alpha != 1:
            b = g.node("Mul", [b, g.scalar(alpha, out.dtype)])
        return g.node(op_type, [a, b])
    return convert


converts("add", "add_", "__add__", "__radd__", "__iadd__")(_add_or_sub("Add"))
converts("sub", "sub_", "subtract", "__sub__", "__isub__")(_add_or_sub("Sub"))


@converts("div", "div_", "divide", "true_divide", "__truediv__", "__itruediv__")
def _div(g, out, input, other, *, rounding_mode=None):
    if rounding_mode is not None:
        raise UnsupportedOperatorError(f"chainrule.onnx.export: div with rounding_mode={rounding_mode!r} "
                                       f"{g.where()} is not supported")
    return g.node("Div", [operand(g, input, out.dtype), operand(g, other, out.dtype)])


_UNARY = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "exp": "Exp", "log": "Log", "sqrt": "Sqrt",
          "abs": "Abs", "neg": "Neg", "negative": "Neg", "erf": "Erf", "sin": "Sin", "cos": "Cos",
          "reciprocal": "Reciprocal", "floor": "Floor", "ceil": "Ceil", "sign": "Sign", "softsign": "Softsign",
          "selu": "Selu", "hardswish": "HardSwish"}


def _unary(op_type):
    def convert(g, out, input, inplace=False):
        return g.node(op_type, [g.value(input)])
    return convert


for _name, _op in _UNARY.items():
    converts(_name, _name + "_")(_unary(_op))
converts("__neg__")(_unary("Neg"))
converts("__abs__")(_unary("Abs"))


@converts("rsqrt", "rsqrt_")
def _rsqrt(g, out, input):
    return g.node("Reciprocal", [g.node("Sqrt", [g.value(input)])])


@converts("leaky_relu", "leaky_relu_")
def _leaky_relu(g, out, input, negative_slope=0.01, inplace=False):
    return g.node("LeakyRelu", [g.value(input)], alpha=float(negative_slope))


@converts("elu", "elu_")
def _elu(g, out, input, alpha=1.0, inplace=False):
    return g.node("Elu", [g.value(input)], alpha=float(alpha))


@converts("celu", "celu_")
def _celu(g, out, input, alpha=1.0, inplace=False):
    return g.node("Celu", [g.value(input)], alpha=float(alpha))


@converts("hardsigmoid")
def _hardsigmoid(g, out, input, inplace=False):
    return g.node("HardSigmoid", [g.value(input)], alpha=1.0 / 6, beta=0.5)


@converts("silu")
def _silu(g, out, input, inplace=False):
    x = g.value(input)
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


def _softplus_of(g, x, beta, dtype):
    """log(1 + exp(beta x)) / beta (torch's threshold switches to x where that is already exact)."""
    if beta == 1:
        return g.node("Softplus", [x])
    scaled = g.node("Softplus", [g.node("Mul", [x, g.scalar(beta, dtype)])])
    return g.node("Div", [scaled, g.scalar(beta, dtype)])


@converts("softplus")
def _softplus(g, out, input, beta=1.0, threshold=20.0):
    return _softplus_of(g, g.value(input), beta, out.dtype)


@converts("mish")
def _mish(g, out, input, inplace=False):
    x = g.value(input)
    return g.node("Mul", [x, g.node("Tanh", [_softplus_of(g, x, 1, out.dtype)])])


@converts("logsigmoid")
def _logsigmoid(g, out, input):
    return g.node("Neg", [g.node("Softplus", [g.node("Neg", [g.value(input)])])])


@converts("tanhshrink")
def _tanhshrink(g, out, input):
    x = g.value(input)
    return g.node("Sub", [x, g.node("Tanh", [x])])


@converts("gelu")
def _gelu(g, out, input, approximate="none"):
    x = g.value(input)
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate=approximate)
    half_x = g.node("Mul", [x, g.scalar(0.5, out.dtype)])
    if approximate == "tanh":  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node("Mul", [g.node("Mul", [x, x]), x])
        inner = g.node("Add", [x, g.node("Mul", [cube, g.scalar(0.044715, out.dtype)])])
        curve = g.node("Tanh", [g.node("Mul", [inner, g.scalar(math.sqrt(2 / math.pi), out.dtype)])])
    else:  # 0.5 x (1 + erf(x / sqrt(2)))
        curve = g.node("Erf", [g.node("Mul", [x, g.scalar(1 / math.sqrt(2), out.dtype)])])
    return g.node("Mul", [half_x, g.node("Add", [curve, g.scalar(1.0, out.dtype)])])


def _clip(g, out, input, low, high):
    bounds = ["" if b is None else operand(g, b, out.dtype) for b in (low, high)]
    return g.node("Clip", [g.value(input)] + bounds)


@converts("clamp", "clamp_", "clip")
def _clamp(g, out, input, min=None, max=None):
    return _clip(g, out, input, min, max)


@converts("hardtanh", "hardtanh_")
def _hardtanh(g, out, input, min_val=-1.0, max_val=1.0, inplace=False):
    return _clip(g, out, input, min_val, max_val)


@converts("relu6")
def _relu6(g, out, input, inplace=False):
    return _clip(g, out, input, 0.0, 6.0)


@converts("prelu")
def _prelu(g, out, input, weight):
    slope = g.value(weight)
    if weight.numel() > 1 and input.dim() > 2:  # (C,) broadcasts against (N, C, *) from the right as (C, 1, ...)
        slope = g.node("Reshape", [slope, g.ints([weight.numel()] + [1] * (input.dim() - 2))])
    return g.node("PRelu", [g.value(input), slope])


def _softmax_like(op_type, negate=False):
    def convert(g, out, input, dim=None, _stacklevel=3, dtype=None):
        if dim is None:  # torch's legacy implicit dim
            dim = 0 if input.dim() in (0, 1, 3) else 1
        x = g.value(input)
        if dtype is not None and dtype != input.dtype:
            x = g.cast(x, dtype)
        if negate:
            x = g.node("Neg", [x])
        return g.node(op_type, [x], axis=dim)
    return convert


converts("softmax")(_softmax_like("Softmax"))
converts("log_softmax")(_softmax_like("LogSoftmax"))
converts("softmin")(_softmax_like("Softmax", negate=True))
