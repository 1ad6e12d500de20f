"""frexp: each float split into a mantissa in [0.5, 1) (with the sign) and a power of two, x =
mantissa * 2**exponent, as C's frexp. The exponent is int64 (chainrule's int32 is int64); 0, inf
and NaN give exponent 0 and themselves as the mantissa. The exponent comes from floor(log2|x|) + 1,
corrected by one where log2 rounded across a power of two; the mantissa is x scaled by 2**-exponent
in two steps (2**1074 would overflow for subnormals), so it is exact and its gradient is
2**-exponent, as PyTorch's."""
from chainrule import _C, return_types
from chainrule._C import Tensor


def _scale(x, power):
    """x * 2**power for integer float tensors `power` in [-1100, 1100], without overflowing the factor."""
    half = (power / 2).trunc()
    return x * _C.pow(2.0, half) * _C.pow(2.0, power - half)


def frexp(input):
    """(mantissa, exponent) with input = mantissa * 2**exponent and 0.5 <= |mantissa| < 1."""
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    x = input.detach()
    regular = (x != 0) & x.isfinite()
    magnitude = _C.where(regular, x.abs(), _C.ones_like(x))
    exponent = magnitude.log2().floor() + 1
    scaled = _scale(magnitude, -exponent)
    exponent = _C.where(scaled >= 1, exponent + 1, _C.where(scaled < 0.5, exponent - 1, exponent))
    exponent = _C.where(regular, exponent, _C.zeros_like(exponent))
    mantissa = _C.where(regular, _scale(input, -exponent), input)
    return return_types.frexp(mantissa, exponent.int())


Tensor.frexp = frexp
