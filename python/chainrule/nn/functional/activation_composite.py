"""Activations composed from chainrule's recorded ops (where, tanh, mul, sub, ...).

prelu, tanhshrink, softshrink, hardshrink, glu, rrelu and gumbel_softmax are a few ops each, so
they are written here in Python on top of ops that already have backward formulas: their first and
second derivatives come from the autograd engine. Signatures and the gradients at the kinks follow
torch.nn.functional (the branch taken at the kink is the one that gives PyTorch's gradient).
"""
import warnings

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C
from chainrule._functions.dim_wrap import wrap_dim
from chainrule.nn.functional.activation import leaky_relu

__all__ = ["prelu", "tanhshrink", "softshrink", "hardshrink", "glu", "rrelu", "rrelu_", "gumbel_softmax"]


def _check_floating(input, op):
    """A DTypeError (a TypeError and, as PyTorch raises, a RuntimeError) for an integer or bool input."""
    if not input.is_floating_point():
        raise _C.DTypeError(f"{op}: expected a float32 or float64 tensor, got a tensor of shape "
                            f"{tuple(input.shape)} and dtype {input.dtype}")


def _prelu_weight_view(input, weight):
    """weight shaped to broadcast against input: one value for all, or one per channel (dim 1)."""
    if weight.dim() > 1:
        raise _C.InvalidArgumentError(f"prelu: expected weight to be a scalar or 1D tensor, but got a tensor of "
                                      f"shape {tuple(weight.shape)}")
    channels = input.shape[1] if input.dim() >= 2 else 1
    if weight.numel() not in (1, channels):
        raise _C.InvalidArgumentError(f"prelu: weight has {weight.numel()} elements, expected 1 or {channels} (the "
                                      f"channels, dim 1, of input of shape {tuple(input.shape)}; 1 below 2 dims)")
    if input.dtype != weight.dtype:
        raise _C.DTypeError(f"prelu: input dtype {input.dtype} and weight dtype {weight.dtype} differ")
    if weight.numel() == 1:
        return weight.reshape(())
    return weight.reshape((channels,) + (1,) * (input.dim() - 2))  # (C, 1, ..., 1)


@_autocast.lower_precision
def prelu(input, weight):
    """input where input > 0, else weight * input; weight has 1 element or one per channel (dim 1)."""
    _check_floating(input, "prelu")
    return _C.where(input > 0, input, _prelu_weight_view(input, weight) * input)


def tanhshrink(input):
    """input - tanh(input); an integer input gives a float result, as in PyTorch."""
    return input - _C.tanh(input)


def _shrink_parts(input, lambd):
    """Where |input| > lambd, and the result elsewhere: 0 in [-lambd, lambd], and a NaN input itself
    with no gradient. As PyTorch's vectorized loops, which real tensors take (its scalar tail loop
    gives -0.0 for softshrink's negative zeros and passes a NaN input's gradient)."""
    return input.abs() > lambd, _C.where(input.abs() <= lambd, 0.0, input.detach())


def softshrink(input, lambd=0.5):
    """input - lambd where input > lambd, input + lambd where input < -lambd, else 0 (NaN stays NaN)."""
    _check_floating(input, "softshrink")
    largest = chainrule.finfo(input.dtype).max
    if not 0 <= lambd <= largest:
        raise RuntimeError(f"softshrink: lambda must be in range [0, {largest:g}] for input dtype "
                           f"{input.dtype}, but found {lambd}")
    outside, rest = _shrink_parts(input, lambd)
    return _C.where(outside, input - input.clamp(-lambd, lambd), rest)


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0 (NaN stays NaN)."""
    _check_floating(input, "hardshrink")
    outside, rest = _shrink_parts(input, lambd)
    return _C.where(outside, input, rest)


def glu(input, dim=-1):
    """a * sigmoid(b), where a and b are the two halves of input along dim."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    dim = wrap_dim(dim, input.dim())
    if input.shape[dim] % 2 != 0:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim} is size {input.shape[dim]}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """input where input > 0, else input * a: a ~ U(lower, upper) per element in training (drawn from
    chainrule's generator), a = (lower + upper) / 2 in eval."""
    _check_floating(input, "rrelu")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    with chainrule.no_grad():
        slopes = chainrule.empty_like(input).uniform_(lower, upper)
        noise = _C.where(input <= 0, slopes, 1.0)
    return input.mul_(noise) if inplace else input * noise


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    """rrelu in place."""
    return rrelu(input, lower, upper, training, inplace=True)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """softmax((logits + g) / tau) with Gumbel(0, 1) noise g; hard=True returns the one-hot argmax in the
    forward and the soft sample's gradient (straight-through), as PyTorch."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.")
    with chainrule.no_grad():
        gumbels = -chainrule.empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = chainrule.zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft
