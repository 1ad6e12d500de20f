"""Dtype facts and defaults: finfo/iinfo, get_default_dtype/set_default_dtype, Tensor.view(dtype) (the
same bytes read as another dtype), and the Tensor casts to PyTorch's half-precision floats, which
chainrule computes in float32: .half()/.bfloat16() give float32 (as chainrule.float16 is float32).

chainrule's dtypes are float32, float64, int64, int32, int16, uint8, int8 and bool. The default floating dtype (float32 unless
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


def _wider_cast(dtype):
    def cast(self, memory_format=None):
        return self.to(dtype)
    return cast


Tensor.half = Tensor.bfloat16 = _wider_cast(_C.dtype.float32)


def view_as_dtype(self, dtype):
    """Tensor.view(dtype) (bound in the core, cpp/bindings/view.cpp): PyTorch's reinterpretation of the
    same bytes as another dtype. With another element size the last dim (stride 1) is rescaled: float32
    (2, 4) as int16 is (2, 8). On the CPU it is NumPy's view of the tensor's memory, so writes through
    either show in both."""
    if dtype == self.dtype:
        return self.view(self.shape)
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
