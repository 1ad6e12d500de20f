"""Inverse hyperbolic functions asinh, acosh, atanh (and NumPy's arcsinh, arccosh, arctanh), with
Tensor methods and in-place forms.

Values use the cancellation-free forms of C libraries (glibc's e_acosh.c, s_asinh.c, e_atanh.c):
log1p near zero, log(2x) + correction in the middle, log(x) + log(2) beyond 2**28 where x**2 would
overflow; so they keep full precision over the whole range. Each is an autograd.Function whose
backward is PyTorch's formula in ops (1/sqrt(x^2 + 1), 1/sqrt(x^2 - 1), 1/(1 - x^2)), which
differentiates again.
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import _floating, copysign
from chainrule._functions.in_place import in_place
from chainrule._functions.pointwise_function import pointwise_function

_HUGE = 2.0 ** 28  # beyond it x**2 + 1 == x**2 in float64
_LOG2 = math.log(2.0)


def _asinh_value(x):
    a = x.abs()
    huge = a.log() + _LOG2
    middle = (2 * a + 1 / ((a * a + 1).sqrt() + a)).log()
    near_zero = (a + a * a / (1 + (1 + a * a).sqrt())).log1p()
    magnitude = _C.where(a > _HUGE, huge, _C.where(a > 2, middle, near_zero))
    return copysign(magnitude, x)


def _acosh_value(x):
    t = x - 1
    huge = x.log() + _LOG2
    middle = (2 * x - 1 / (x + (x * x - 1).sqrt())).log()
    near_one = (t + (2 * t + t * t).sqrt()).log1p()
    value = _C.where(x > _HUGE, huge, _C.where(x > 2, middle, near_one))
    return _C.where(x < 1, _C.full_like(x, math.nan), value)


def _atanh_value(x):
    a = x.abs()
    near_zero = 0.5 * (2 * a + 2 * a * a / (1 - a)).log1p()
    far = 0.5 * (2 * a / (1 - a)).log1p()
    return copysign(_C.where(a < 0.5, near_zero, far), x)


_Asinh = pointwise_function("_Asinh", _asinh_value, lambda x: (x * x + 1).rsqrt())


_Acosh = pointwise_function("_Acosh", _acosh_value, lambda x: (x * x - 1).rsqrt())


_Atanh = pointwise_function("_Atanh", _atanh_value, lambda x: 1 / (1 - x * x))


def asinh(input):
    """The inverse hyperbolic sine, log(x + sqrt(x^2 + 1))."""
    return _Asinh.apply(_floating(input))


def acosh(input):
    """The inverse hyperbolic cosine, log(x + sqrt(x^2 - 1)); NaN below 1."""
    return _Acosh.apply(_floating(input))


def atanh(input):
    """The inverse hyperbolic tangent, log((1 + x) / (1 - x)) / 2; +-inf at +-1, NaN beyond."""
    return _Atanh.apply(_floating(input))


arcsinh, arccosh, arctanh = asinh, acosh, atanh
for _fn in (asinh, acosh, atanh):
    setattr(Tensor, _fn.__name__, _fn)
    setattr(Tensor, _fn.__name__ + "_", in_place(_fn))
Tensor.arcsinh, Tensor.arcsinh_ = Tensor.asinh, Tensor.asinh_
Tensor.arccosh, Tensor.arccosh_ = Tensor.acosh, Tensor.acosh_
Tensor.arctanh, Tensor.arctanh_ = Tensor.atanh, Tensor.atanh_
asinh_ = arcsinh_ = Tensor.asinh_
acosh_ = arccosh_ = Tensor.acosh_
atanh_ = arctanh_ = Tensor.atanh_
