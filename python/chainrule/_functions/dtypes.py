"""Dtype facts and defaults: finfo/iinfo, get_default_dtype/set_default_dtype, and the Tensor casts to
PyTorch's narrower dtypes chainrule computes in a wider one: .int()/.short() give int64 and
.half()/.bfloat16() float32 (as chainrule.int32 is int64 and chainrule.float16 is float32).

chainrule's dtypes are float32, float64, int64, uint8, int8 and bool. The default floating dtype (float32 unless
set_default_dtype(float64)) is what factories (zeros, rand, linspace, arange of floats, full of a
float) and tensor() of Python floats give; it lives in the C++ core so the bound factories read it.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor

_FLOATS = (_C.dtype.float32, _C.dtype.float64)


def get_default_dtype():
    """The floating dtype of factories and of tensor() of Python floats: chainrule.float32 unless set."""
    return _C._get_default_dtype()


def set_default_dtype(d):
    """Makes `d` (chainrule.float32 or chainrule.float64) the default floating dtype."""
    if d not in _FLOATS:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type "
                        f"(chainrule.float32 or chainrule.float64), got {d}")
    _C._set_default_dtype(d)


class finfo:
    """Machine limits of a floating dtype, as Python floats: bits, eps, max, min, tiny
    (= smallest_normal) and resolution."""

    def __init__(self, type=None):
        type = get_default_dtype() if type is None else type
        if type not in _FLOATS:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'torch.finfo' (got {type})")
        info = np.finfo(np.float32 if type == _C.dtype.float32 else np.float64)
        self.dtype = str(type).split(".")[-1]
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)  # PyTorch: a power of ten, exactly

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


_INTEGERS = {_C.dtype.int64: np.int64, _C.dtype.uint8: np.uint8, _C.dtype.int8: np.int8}


class iinfo:
    """Machine limits of an integer dtype (int64, uint8 or int8): bits, max, min as Python ints."""

    def __init__(self, type):
        if type not in _INTEGERS:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'torch.iinfo' (got {type})")
        info = np.iinfo(_INTEGERS[type])
        self.dtype = str(type).split(".")[-1]
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


def _wider_cast(dtype):
    def cast(self, memory_format=None):
        return self.to(dtype)
    return cast


Tensor.int = Tensor.short = _wider_cast(_C.dtype.int64)
Tensor.half = Tensor.bfloat16 = _wider_cast(_C.dtype.float32)
