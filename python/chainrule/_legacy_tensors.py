"""PyTorch's legacy tensor constructors and type names: `chainrule.Tensor(data)` / `Tensor(2, 3)`,
`x.new(...)`, FloatTensor/DoubleTensor/HalfTensor/BFloat16Tensor/LongTensor/IntTensor/ShortTensor/ByteTensor/CharTensor/BoolTensor (called with data or with sizes;
`isinstance(x, chainrule.FloatTensor)` holds for float32 tensors, as in PyTorch) and
Tensor.type(), which names a tensor's type ('torch.FloatTensor', the strings PyTorch programs
compare against) or converts it.
"""
import numbers

from chainrule import _C
from chainrule._C import Tensor
from chainrule._tensor import Size, tensor, warn_if_read_only_array

_TYPE_NAMES = {_C.dtype.float32: "FloatTensor", _C.dtype.float64: "DoubleTensor", _C.dtype.float16: "HalfTensor",
               _C.dtype.bfloat16: "BFloat16Tensor",
               _C.dtype.int64: "LongTensor", _C.dtype.int32: "IntTensor", _C.dtype.int16: "ShortTensor",
               _C.dtype.uint8: "ByteTensor", _C.dtype.int8: "CharTensor", _C.dtype.bool: "BoolTensor"}


def _is_sizes(args):
    """Whether the constructor's arguments are sizes: ints (`Tensor(2, 3)`) or one chainrule.Size."""
    if len(args) == 1 and isinstance(args[0], Size):
        return True
    return all(isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in args)


def new_legacy_tensor(dtype, *args, device=None, name=None, any_dtype_tensor=False):
    """A tensor of `dtype` from sizes (uninitialized values, as torch.FloatTensor(2, 3); no
    arguments give an empty 1-d tensor) or from data (a sequence, NumPy array or tensor; a tensor
    of another dtype is a TypeError unless any_dtype_tensor, as for chainrule.Tensor(t))."""
    name = name or _TYPE_NAMES[dtype]
    if _is_sizes(args):
        sizes = tuple(args[0]) if len(args) == 1 and isinstance(args[0], Size) else args
        return _C.empty(sizes if args else (0,), dtype=dtype, device=device)
    if len(args) != 1:
        raise TypeError(f"{name}(): expected sizes (ints) or one sequence of data, got "
                        f"({', '.join(type(a).__name__ for a in args)})")
    data = args[0]
    if isinstance(data, Tensor):  # shares data's storage, as PyTorch's legacy constructor does
        if data.dtype != dtype and not any_dtype_tensor:
            raise TypeError(f"{name}(): expected a {dtype} tensor, got a {data.dtype} one")
        return data.detach()
    if isinstance(data, (numbers.Number, str)):
        raise TypeError(f"{name}(): data must be a sequence (got {type(data).__name__})")
    warn_if_read_only_array(data, stacklevel=4)
    return tensor(data, dtype=dtype, device=device)


class _LegacyTensorType(type):
    """The metaclass of FloatTensor & co. (and chainrule.cuda's): calling one builds a tensor of its
    dtype on its device; isinstance holds for tensors of that dtype on that kind of device."""

    def __call__(cls, *args, device=None):
        return new_legacy_tensor(cls.dtype, *args, device=device or cls.device_type)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == cls.device_type

    def __repr__(cls):
        return f"<class '{cls.__module__}.{cls.__name__}'>"


def _legacy_type(dtype, device_type="cpu"):
    module = "chainrule" if device_type == "cpu" else "chainrule.cuda"
    return _LegacyTensorType(_TYPE_NAMES[dtype], (), {"dtype": dtype, "device_type": device_type, "__module__": module})


FloatTensor = _legacy_type(_C.dtype.float32)
DoubleTensor = _legacy_type(_C.dtype.float64)
HalfTensor = _legacy_type(_C.dtype.float16)
BFloat16Tensor = _legacy_type(_C.dtype.bfloat16)
LongTensor = _legacy_type(_C.dtype.int64)
IntTensor = _legacy_type(_C.dtype.int32)
ShortTensor = _legacy_type(_C.dtype.int16)
ByteTensor = _legacy_type(_C.dtype.uint8)
CharTensor = _legacy_type(_C.dtype.int8)
BoolTensor = _legacy_type(_C.dtype.bool)
# chainrule.cuda.FloatTensor & co.: the same on the GPU ('torch.cuda.FloatTensor' in type names)
CUDA_TYPES = {name: _legacy_type(dtype, "cuda") for dtype, name in _TYPE_NAMES.items()}
_BY_NAME = {f"torch.{c.__name__}": c for c in (FloatTensor, DoubleTensor, HalfTensor, BFloat16Tensor, LongTensor,
                                               IntTensor, ShortTensor, ByteTensor, CharTensor, BoolTensor)}
_BY_NAME.update({f"torch.cuda.{name}": c for name, c in CUDA_TYPES.items()})
_BY_NAME.update({name.replace("torch.", "chainrule.", 1): c for name, c in list(_BY_NAME.items())})


def set_default_tensor_type(t):
    """torch.set_default_tensor_type (deprecated in PyTorch 2.1, still in programs): the default
    dtype, and for a chainrule.cuda type the default device too; t is a type or its name."""
    import warnings
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.", UserWarning,
                  stacklevel=2)
    if isinstance(t, str):
        if t not in _BY_NAME:
            raise TypeError(f"invalid type: '{t}'")
        t = _BY_NAME[t]
    if not isinstance(t, _LegacyTensorType):
        raise TypeError(f"invalid type: {t!r}")
    if t.dtype not in (_C.dtype.float32, _C.dtype.float64):
        raise TypeError("only floating-point types are supported as the default type")
    if t.device_type == "cuda" and _C._cuda_device_count() == 0:
        raise TypeError(f"type torch.cuda.{t.__name__} not available: no CUDA device")
    from chainrule._default_device import set_default_device
    from chainrule._functions.dtypes import set_default_dtype
    set_default_dtype(t.dtype)
    set_default_device("cuda" if t.device_type == "cuda" else None)


def tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): with no dtype, the type's name ('torch.FloatTensor', 'torch.cuda.FloatTensor'
    on a GPU); given a dtype, a type name such as 'torch.DoubleTensor' or a class such as
    chainrule.LongTensor, the tensor converted (itself when it already has that dtype)."""
    if dtype is None:
        device = "cuda." if self.device.type == "cuda" else ""
        return f"torch.{device}{_TYPE_NAMES[self.dtype]}"
    if dtype is Tensor or dtype == "torch.Tensor":  # the default type: float32 unless set_default_dtype changed it
        dtype = _C._get_default_dtype()
    if isinstance(dtype, str):
        if dtype not in _BY_NAME:
            raise ValueError(f"invalid type: {dtype!r} (chainrule has {', '.join(sorted(_BY_NAME))})")
        dtype = _BY_NAME[dtype]
    if isinstance(dtype, _LegacyTensorType):  # a type names a device too: torch.cuda.FloatTensor moves to the GPU
        return self.to(dtype.device_type, dtype.dtype, non_blocking=non_blocking)
    return self.to(dtype, non_blocking=non_blocking)


def new_default_tensor(*args, device=None):
    """chainrule.Tensor(...): a legacy tensor of the default dtype (float32 unless
    set_default_dtype changed it), as torch.Tensor; the bound class's constructor calls this."""
    return new_legacy_tensor(_C._get_default_dtype(), *args, device=device, name="Tensor", any_dtype_tensor=True)


def _tensor_new(self, *args, device=None):
    """Tensor.new(...): the legacy constructor with self's dtype and device (x.new(2, 3),
    x.new([1, 2]), x.new() for an empty tensor)."""
    return new_legacy_tensor(self.dtype, *args, device=device or self.device, name="new")


Tensor.type = tensor_type
Tensor.new = _tensor_new
