"""erfcx, the scaled complementary error function exp(x^2) erfc(x) (torch.special.erfcx): 1 / (sqrt(pi)
fraction) from x = 1 on, with Laplace's continued fraction x + (1/2)/(x + 1/(x + (3/2)/(x + ...))) evaluated
backwards from 150 terms (no exponential at all, so no overflow), and exp(x^2) erfc(x) below (inf from x =
-26.7 down, as PyTorch's); its backward is PyTorch's 2x erfcx(x) - 2/sqrt(pi). Values are computed in
float64 and returned in the input's float dtype. erfc itself is a C++ op (ops/special.cpp: the C library's
erfc, ErfcBackward0).
"""
import math

from chainrule import _C
from chainrule._functions.elementwise_math import _floating
from chainrule._functions.pointwise_function import pointwise_function

_TERMS = 150


def _laplace_fraction(x):
    """x + (1/2)/(x + 1/(x + (3/2)/(x + ...))) for x >= 1: erfc(x) = exp(-x^2) / (sqrt(pi) fraction)."""
    fraction = x
    for n in range(_TERMS, 0, -1):
        fraction = x + (n / 2) / fraction
    return fraction


def _erfcx_value(x):
    x64 = x.double()
    tail = (math.sqrt(math.pi) * _laplace_fraction(x64.clamp(min=1.0))).reciprocal()
    head_x = x64.clamp(max=1.0)
    value = _C.where(x64 < 1, (head_x * head_x).exp() * head_x.erfc(), tail)
    return _C.where(x64.isnan(), x64, value).to(x.dtype)


_Erfcx = pointwise_function("_Erfcx", _erfcx_value, lambda x: 2 * x * _Erfcx.apply(x) - 2 / math.sqrt(math.pi))


def erfcx(input):
    """exp(input^2) erfc(input), finite for large input (torch.special.erfcx)."""
    return _Erfcx.apply(_floating(input))
