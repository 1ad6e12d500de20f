"""erfc, the complementary error function 1 - erf(x), at full precision in the tail (where
1 - erf(x) would lose every digit), with its Tensor method and in-place form; and erfcx, the scaled
exp(x^2) erfc(x) (torch.special.erfcx), from the same continued fraction.

Below x = 1 it is 1 - erf(x) (erfc >= 0.157 there, so the subtraction loses < 1 ulp). From 1 on it
is exp(-x^2) / sqrt(pi) over Laplace's continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))),
evaluated backwards from 150 terms, with exp(-x^2) split as exp(-xh^2) exp(-xl (x + xh)) (xh: x to
12 fractional bits, so xh^2 is exact). Against PyTorch (std::erfc) the relative error stays under
1e-14 up to x = 27 where erfc underflows. Values are computed in float64 and returned in input's
float dtype. Its backward is PyTorch's formula, -2/sqrt(pi) exp(-x^2), in ops.

erfcx is 1 / (sqrt(pi) fraction) from x = 1 on (no exponential at all, so no overflow), and
exp(x^2) erfc(x) below (inf from x = -26.7 down, as PyTorch's); its backward is PyTorch's
2x erfcx(x) - 2/sqrt(pi).
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import _floating
from chainrule._functions.in_place import in_place
from chainrule._functions.pointwise_function import pointwise_function

_TERMS = 150
_UNDERFLOW = 30.0  # erfc(30) ~ 2.6e-393: 0 in float64


def _exp_minus_square(x):
    """exp(-x^2) without the rounding error of x^2 (x >= 0, finite)."""
    high = (x * 4096).round() / 4096
    return (-(high * high)).exp() * (-(x - high) * (x + high)).exp()


def _laplace_fraction(x):
    """x + (1/2)/(x + 1/(x + (3/2)/(x + ...))) for x >= 1: erfc(x) = exp(-x^2) / (sqrt(pi) fraction)."""
    fraction = x
    for n in range(_TERMS, 0, -1):
        fraction = x + (n / 2) / fraction
    return fraction


def _erfc_value(x):
    x64 = x.double()
    tail_x = x64.clamp(1.0, _UNDERFLOW)  # finite, >= 1: where the continued fraction is used
    tail = _exp_minus_square(tail_x) / (math.sqrt(math.pi) * _laplace_fraction(tail_x))
    value = _C.where(x64 < 1, 1 - x64.erf(), _C.where(x64 > _UNDERFLOW, _C.zeros_like(x64), tail))
    return _C.where(x64.isnan(), x64, value).to(x.dtype)


_Erfc = pointwise_function("_Erfc", _erfc_value, lambda x: (-(x * x)).exp() * (-2 / math.sqrt(math.pi)))


def erfc(input):
    """1 - erf(input), accurate where it is tiny (large input)."""
    return _Erfc.apply(_floating(input))


def _erfcx_value(x):
    x64 = x.double()
    tail = (math.sqrt(math.pi) * _laplace_fraction(x64.clamp(min=1.0))).reciprocal()
    head_x = x64.clamp(max=1.0)
    value = _C.where(x64 < 1, (head_x * head_x).exp() * _erfc_value(head_x), tail)
    return _C.where(x64.isnan(), x64, value).to(x.dtype)


_Erfcx = pointwise_function("_Erfcx", _erfcx_value, lambda x: 2 * x * _Erfcx.apply(x) - 2 / math.sqrt(math.pi))


def erfcx(input):
    """exp(input^2) erfc(input), finite for large input (torch.special.erfcx)."""
    return _Erfcx.apply(_floating(input))


Tensor.erfc = erfc
Tensor.erfc_ = in_place(erfc)
erfc_ = Tensor.erfc_
