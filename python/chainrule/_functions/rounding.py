"""round with PyTorch's decimals= keyword (torch.round, Tensor.round and round_, special.round).

decimals > 0 rounds input * 10^decimals half to even and divides back; decimals < 0 divides by
10^-decimals first and multiplies back, as ATen's kernel does, in input's dtype (so float32 values
round as PyTorch's do). Integer tensors keep decimals=0 only (PyTorch has no integer kernel for it).
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import _require_floating
from chainrule._functions.in_place import in_place


def round(input, *, decimals=0):
    """Rounds half to even at `decimals` decimal digits (negative: to tens, hundreds, ...)."""
    if decimals == 0:
        return _C.round(input)
    _require_floating("round", input)
    if decimals > 0:
        scale = 10.0 ** decimals
        return (input * scale).round() / scale
    scale = 10.0 ** -decimals
    return (input / scale).round() * scale


Tensor.round = round
Tensor.round_ = in_place(round)
