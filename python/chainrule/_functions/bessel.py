"""i0, the modified Bessel function of the first kind of order 0 (with Tensor.i0, i0_ and torch.i0_).

|x| <= 20: the power series sum (x^2/4)^k / (k!)^2 (70 terms, all positive, so no cancellation);
beyond: the asymptotic series e^x / sqrt(2 pi x) sum prod (2j-1)^2 / (k! (8x)^k) (30 terms), with e^x
taken in two halves so that values up to I0's own overflow near x = 713.9 are finite. Within
2e-15 of PyTorch's over the range. The gradient is I1(x), computed the same way (I1's own
gradient, I0 - I1/x, makes second derivatives work too).
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import _floating
from chainrule._functions.in_place import in_place
from chainrule._functions.pointwise_function import pointwise_function

_SWITCH = 20.0
_SERIES_TERMS, _ASYMPTOTIC_TERMS = 70, 30


def _bessel(x, order):
    """I_order(x) for order 0 or 1 (no autograd), in float64."""
    a = x.double().abs()
    small = a.clamp(max=_SWITCH)
    quarter_square = small * small / 4
    term = _C.ones_like(small) if order == 0 else small / 2
    series = term
    for k in range(1, _SERIES_TERMS):
        term = term * quarter_square / (k * (k + order))
        series = series + term
    large = a.clamp(min=_SWITCH)
    term, asymptotic = _C.ones_like(large), _C.ones_like(large)
    for k in range(1, _ASYMPTOTIC_TERMS):
        odd_square = (2 * k - 1) ** 2
        term = term * ((odd_square if order == 0 else odd_square - 4) / (k * 8)) / large
        asymptotic = asymptotic + term
    half = (large / 2).exp()
    asymptotic = half * (half / (2 * math.pi * large).sqrt() * asymptotic)
    value = _C.where(a <= _SWITCH, series, _C.where(a.isinf(), a, asymptotic))
    if order == 1:
        value = _C.where(x < 0, -value, value)
    return _C.where(x.isnan(), x.double(), value).to(x.dtype)


def _i1_derivative(x):
    """I1'(x) = I0(x) - I1(x) / x, 1/2 at 0."""
    at_zero = x == 0
    safe = _C.where(at_zero, _C.ones_like(x), x)
    return _C.where(at_zero, _C.full_like(x, 0.5), _I0.apply(x) - _I1.apply(safe) / safe)


_I1 = pointwise_function("_I1", lambda x: _bessel(x, 1), _i1_derivative)
_I0 = pointwise_function("_I0", lambda x: _bessel(x, 0), lambda x: _I1.apply(x))  # I0' = I1


def i0(input):
    """The modified Bessel function of the first kind of order 0."""
    return _I0.apply(_floating(input))


Tensor.i0 = i0
Tensor.i0_ = in_place(i0)
i0_ = Tensor.i0_
