"""Elementwise functions composed from the bound ops: logaddexp, logaddexp2, hypot, sinc, rad2deg,
deg2rad, exp2, frac, logit, copysign, float_power, fmax, fmin, heaviside, signbit, sgn, ldexp and
rsub, with their Tensor methods and in-place forms.

dtypes follow PyTorch's: sinc, rad2deg, deg2rad, exp2, logit and copysign turn integer and bool
inputs into the default float dtype; logaddexp, logaddexp2, hypot and frac refuse them (PyTorch has
no integer kernel for them); float_power computes in float64. Gradients come from the composed ops
and agree with PyTorch's formulas, ties and NaN included (fmax/fmin send a tie's gradient to input).
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.in_place import in_place


def _floating(x):
    """x as a floating tensor: integer and bool tensors become the default float dtype."""
    return x if x.is_floating_point() else x.to(_C._get_default_dtype())


def _require_floating(op, *tensors):
    for t in tensors:
        if isinstance(t, Tensor) and not t.is_floating_point():
            raise NotImplementedError(f"{op}: not implemented for {t.dtype} tensors (floating point only)")


def logaddexp(input, other):
    """log(exp(input) + exp(other)) without overflow: max + log1p(exp(-|input - other|)); two equal
    infinities give that infinity."""
    _require_floating("logaddexp", input, other)
    larger = _C.maximum(input, other)
    both_infinite = larger.isinf() & (input == other)
    return _C.where(both_infinite, larger, larger + (-(input - other).abs()).exp().log1p())


def logaddexp2(input, other):
    """log2(2**input + 2**other) without overflow."""
    _require_floating("logaddexp2", input, other)
    larger = _C.maximum(input, other)
    both_infinite = larger.isinf() & (input == other)
    return _C.where(both_infinite, larger, larger + exp2(-(input - other).abs()).log1p() / math.log(2))


def hypot(input, other):
    """sqrt(input**2 + other**2), scaled by the larger magnitude so that squares do not overflow;
    inf where either is infinite (NaN in the other included), as C's hypot."""
    _require_floating("hypot", input, other)
    scale = _C.maximum(input.abs(), other.abs())
    safe = _C.where((scale == 0) | scale.isinf(), _C.ones_like(scale), scale)
    finite = scale * ((input / safe).square() + (other / safe).square()).sqrt()
    return _C.where(input.isinf() | other.isinf(), _C.full_like(finite, math.inf), finite)


def sinc(input):
    """sin(pi x) / (pi x), and 1 at x = 0 (gradient 0 there)."""
    x = _floating(input)
    at_zero = x == 0
    safe = _C.where(at_zero, _C.ones_like(x), x) * math.pi
    return _C.where(at_zero, _C.ones_like(x), safe.sin() / safe)


def rad2deg(input):
    return _floating(input) * (180.0 / math.pi)


def deg2rad(input):
    return _floating(input) * (math.pi / 180.0)


def exp2(input):
    """2 ** input."""
    return _C.pow(2.0, _floating(input))


def frac(input):
    """The fractional part, input - trunc(input), with input's sign."""
    _require_floating("frac", input)
    return input - input.trunc()


def logit(input, eps=None):
    """log(p / (1 - p)); with eps, p is first clamped to [eps, 1 - eps] (gradient 0 outside)."""
    p = _floating(input)
    if eps is not None:
        p = p.clamp(eps, 1 - eps)
    return (p / (1 - p)).log()


def signbit(input):
    """True where the sign bit is set: negative numbers and -0.0 (NaN counts as positive)."""
    if not input.is_floating_point():
        return input < 0
    return (input < 0) | ((input == 0) & (input.reciprocal() < 0))


def copysign(input, other):
    """|input| with the sign of other (the sign bit, so -0.0 counts as negative)."""
    negative = signbit(other) if isinstance(other, Tensor) else math.copysign(1.0, other) < 0
    magnitude = _floating(input).abs()
    if isinstance(negative, bool):
        return -magnitude if negative else magnitude
    return _C.where(negative, -magnitude, magnitude)


def _float64(x):
    return x.double() if isinstance(x, Tensor) else float(x)


def float_power(input, exponent):
    """input ** exponent computed in float64 (both are converted first)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power: expected input or exponent to be a Tensor")
    return _C.pow(_float64(input), _float64(exponent))


def fmax(input, other):
    """The elementwise maximum where NaN loses to a number (NaN only where both are NaN)."""
    return _C.where((input >= other) | other.isnan(), input, other)


def fmin(input, other):
    """The elementwise minimum where NaN loses to a number (NaN only where both are NaN)."""
    return _C.where((input <= other) | other.isnan(), input, other)


def heaviside(input, values):
    """0 where input < 0, 1 where input > 0, and values where input == 0 (no gradient, as in PyTorch)."""
    if input.dtype != values.dtype:
        raise RuntimeError(f"heaviside is not yet implemented for tensors with different dtypes "
                           f"({input.dtype} and {values.dtype}).")
    input, values = input.detach(), values.detach()
    return _C.where(input == 0, values, (input > 0).to(input.dtype))


def ldexp(input, other):
    """input * 2 ** other, in a floating dtype."""
    return _floating(input) * exp2(other)


def rsub(input, other, *, alpha=1):
    """other - alpha * input (subtraction with the operands swapped)."""
    return _C.sub(other, input, alpha=alpha)


def sgn(input):
    """sign(input) for real tensors (PyTorch's sgn differs only for complex ones)."""
    return input.sign()


for _fn in (logaddexp, logaddexp2, hypot, sinc, rad2deg, deg2rad, exp2, frac, logit, signbit, copysign,
            float_power, fmax, fmin, heaviside, sgn, ldexp):
    setattr(Tensor, _fn.__name__, _fn)
for _fn in (hypot, sinc, rad2deg, deg2rad, exp2, frac, logit, copysign, float_power, heaviside, sgn, ldexp):
    setattr(Tensor, _fn.__name__ + "_", in_place(_fn))
sinc_, rad2deg_, deg2rad_, exp2_, frac_, logit_, ldexp_ = (Tensor.sinc_, Tensor.rad2deg_, Tensor.deg2rad_,
                                                            Tensor.exp2_, Tensor.frac_, Tensor.logit_, Tensor.ldexp_)
