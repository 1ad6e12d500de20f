"""Activation functions, named and ordered as in torch.nn.functional.

The math (and the backward of each) is in the C++ core (chainrule._C._nn, cpp/ops/activation.cpp);
relu, sigmoid and tanh are chainrule's unary ops and softmax/log_softmax its fused softmax kernels.
`inplace=True` writes the result into `input` and returns it.
"""
import warnings

from chainrule import _C

__all__ = [
    "relu", "relu_", "relu6", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "selu_", "celu", "celu_",
    "gelu", "silu", "mish", "softplus", "hardtanh", "hardtanh_", "hardsigmoid", "hardswish", "logsigmoid",
    "softsign", "sigmoid", "tanh", "threshold", "threshold_", "softmax", "log_softmax", "softmin",
]

_nn = _C._nn


def relu(input, inplace=False):
    """max(input, 0)."""
    return input.relu_() if inplace else _C.relu(input)


def relu_(input):
    """relu in place."""
    return input.relu_()


def relu6(input, inplace=False):
    """min(max(input, 0), 6)."""
    return _nn.relu6_(input) if inplace else _nn.relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """input where input > 0, else negative_slope * input."""
    return _nn.leaky_relu_(input, negative_slope) if inplace else _nn.leaky_relu(input, negative_slope)


def leaky_relu_(input, negative_slope=0.01):
    """leaky_relu in place."""
    return _nn.leaky_relu_(input, negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """input where input > 0, else alpha * (exp(input) - 1)."""
    return _nn.elu_(input, alpha) if inplace else _nn.elu(input, alpha)


def elu_(input, alpha=1.0):
    """elu in place."""
    return _nn.elu_(input, alpha)


def selu(input, inplace=False):
    """scale * elu(input, alpha) with the self-normalizing constants."""
    return _nn.selu_(input) if inplace else _nn.selu(input)


def selu_(input):
    """selu in place."""
    return _nn.selu_(input)


def celu(input, alpha=1.0, inplace=False):
    """max(0, input) + min(0, alpha * (exp(input / alpha) - 1))."""
    return _nn.celu_(input, alpha) if inplace else _nn.celu(input, alpha)


def celu_(input, alpha=1.0):
    """celu in place."""
    return _nn.celu_(input, alpha)


def gelu(input, approximate="none"):
    """input * Phi(input) (the erf form), or its tanh approximation with approximate='tanh'."""
    return _nn.gelu(input, approximate)


def silu(input, inplace=False):
    """input * sigmoid(input)."""
    return _nn.silu_(input) if inplace else _nn.silu(input)


def mish(input, inplace=False):
    """input * tanh(softplus(input))."""
    return _nn.mish_(input) if inplace else _nn.mish(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta * input)) / beta, and input itself where beta * input > threshold."""
    return _nn.softplus(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """input clamped to [min_val, max_val]."""
    return _nn.hardtanh_(input, min_val, max_val) if inplace else _nn.hardtanh(input, min_val, max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """hardtanh in place."""
    return _nn.hardtanh_(input, min_val, max_val)


def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6."""
    return _nn.hardsigmoid_(input) if inplace else _nn.hardsigmoid(input)


def hardswish(input, inplace=False):
    """input * relu6(input + 3) / 6."""
    return _nn.hardswish_(input) if inplace else _nn.hardswish(input)


def logsigmoid(input):
    """log(sigmoid(input)), computed stably."""
    return _nn.log_sigmoid(input)


def softsign(input):
    """input / (1 + |input|)."""
    return _nn.softsign(input)


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _C.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent."""
    return _C.tanh(input)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else value."""
    return _nn.threshold_(input, threshold, value) if inplace else _nn.threshold(input, threshold, value)


def threshold_(input, threshold, value):
    """threshold in place."""
    return _nn.threshold_(input, threshold, value)


def _get_softmax_dim(name, ndim, stacklevel):
    """PyTorch's legacy choice of dim when none is given (deprecated, with a warning)."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=stacklevel,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """exp(input) / sum(exp(input)) along dim (computed in dtype if given)."""
    if dim is None:
        dim = _get_softmax_dim("softmax", input.dim(), _stacklevel)
    return input.softmax(dim, dtype=dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-input) along dim."""
    if dim is None:
        dim = _get_softmax_dim("softmin", input.dim(), _stacklevel)
    return (-input).softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(input)) along dim, in one stable pass."""
    if dim is None:
        dim = _get_softmax_dim("log_softmax", input.dim(), _stacklevel)
    return input.log_softmax(dim, dtype=dtype)
