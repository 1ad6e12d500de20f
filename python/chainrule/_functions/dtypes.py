"""Dtype facts and defaults: finfo/iinfo, get_default_dtype/set_default_dtype and Tensor.view(dtype) (the
same bytes read as another dtype).

chainrule's dtypes are float32, float64, float16, bfloat16, int64, int32, int16, uint8, int8 and bool;
float16 and bfloat16 are stored in 2 bytes and computed in float32 (cpp/ops/float32_staging.h). The
default floating dtype (float32 unless set_default_dtype changed it) is what factories (zeros, rand,
linspace, arange of floats, full of a float) and tensor() of Python floats give; it lives in the C++
core so the bound factories read it.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor

_FLOATS = (_C.dtype.float32, _C.dtype.float64, _C.dtype.float16, _C.dtype.bfloat16)


def get_default_dtype():
    """The floating dtype of factories and of tensor() of Python floats: chainrule.float32 unless set."""
    return _C._get_default_dtype()


def set_default_dtype(d):
    """Makes `d` (a floating dtype: float32, float64, float16 or bfloat16) the default floating dtype."""
    if d not in _FLOATS:
        raise TypeError(f"set_default_dtype: only floating-point types are supported as the default type "
                        f"(chainrule.float32, float64, float16 or bfloat16), got {d}")
    _C._set_default_dtype(d)


class finfo:
    """Machine limits of a floating dtype, as Python floats: bits, eps, max, min, tiny
    (= smallest_normal) and resolution."""

    def __init__(self, type=None):
        type = get_default_dtype() if type is None else type
        if type not in _FLOATS:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            f"'torch.finfo' (got {type})")
        self.dtype = str(type).split(".")[-1]
        if type == _C.dtype.bfloat16:  # NumPy has no bfloat16: float32's range with 8 bits of precision
            self.bits, self.eps, self.max, precision = 16, 2.0 ** -7, float.fromhex("0x1.FEp127"), 2
            self.tiny = self.smallest_normal = float(np.finfo(np.float32).tiny)
        else:
            info = np.finfo({_C.dtype.float32: np.float32, _C.dtype.float64: np.float64}.get(type, np.float16))
            self.bits, self.eps, self.max, precision = int(info.bits), float(info.eps), float(info.max), info.precision
            self.tiny = self.smallest_normal = float(info.tiny)
        self.min = -self.max
        self.resolution = 10.0 ** -int(precision)  # PyTorch: a power of ten, exactly

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


_INTEGERS = {_C.dtype.int64: np.int64, _C.dtype.int32: np.int32, _C.dtype.int16: np.int16, _C.dtype.uint8: np.uint8,
             _C.dtype.int8: np.int8}


class iinfo:
    """Machine limits of an integer dtype (int64, int32, int16, uint8 or int8): bits, max, min as Python ints."""

    def __init__(self, type):
        if type not in _INTEGERS:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            f"'torch.iinfo' (got {type})")
        info = np.iinfo(_INTEGERS[type])
        self.dtype = str(type).split(".")[-1]
        self.bits, self.max, self.min = int(info.bits), int(info.max), int(info.min)

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"


_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "int16": "Short",
                      "int8": "Char", "uint8": "Byte", "bool": "Bool", "float16": "Half", "bfloat16": "BFloat16"}


def scalar_type_name(dtype):
    """PyTorch's name of a dtype in its messages: Long for int64, Float for float32."""
    short = str(dtype).rsplit(".", 1)[-1]
    return _SCALAR_TYPE_NAMES.get(short, short)


def view_as_dtype(self, dtype):
    """Tensor.view(dtype) (bound in the core, cpp/bindings/view.cpp): PyTorch's reinterpretation of the
    same bytes as another dtype. With another element size the last dim (stride 1) is rescaled: float32
    (2, 4) as int16 is (2, 8). On the CPU it is NumPy's view of the tensor's memory, so writes through
    either show in both."""
    if dtype == self.dtype:
        return self.view(self.shape)
    if dtype.itemsize == self.dtype.itemsize:
        return _C._view_same_size(self.detach(), dtype)
    if _C.dtype.bfloat16 in (dtype, self.dtype):  # NumPy has no bfloat16: its bytes go as int16
        source = self if self.dtype != _C.dtype.bfloat16 else _C._view_same_size(self.detach(), _C.dtype.int16)
        viewed = view_as_dtype(source, dtype if dtype != _C.dtype.bfloat16 else _C.dtype.int16)
        return viewed if dtype != _C.dtype.bfloat16 else _C._view_same_size(viewed, dtype)
    if self.device.type != "cpu":
        raise NotImplementedError(f"view(dtype): only CPU tensors can be viewed as another dtype here, got one on "
                                  f"{self.device}")
    try:
        array = self.detach().numpy().view(_numpy_dtype(dtype))
    except ValueError as error:
        raise RuntimeError(f"view(dtype): a {self.dtype} tensor of shape {tuple(self.shape)} and strides "
                           f"{self.stride()} cannot be viewed as {dtype}: {error}") from None
    return _C.from_numpy(array)


def _numpy_dtype(dtype):
    return _C.empty(0, dtype=dtype).numpy().dtype
