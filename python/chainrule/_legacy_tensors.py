"""PyTorch's legacy tensor constructors and type names: `chainrule.Tensor(data)` / `Tensor(2, 3)`,
`x.new(...)`, FloatTensor/DoubleTensor/LongTensor/BoolTensor (called with data or with sizes;
`isinstance(x, chainrule.FloatTensor)` holds for float32 tensors, as in PyTorch) and
Tensor.type(), which names a tensor's type ('torch.FloatTensor', the strings PyTorch programs
compare against) or converts it.
"""
import numbers

from chainrule import _C
from chainrule._C import Tensor
from chainrule._tensor import Size, tensor

_TYPE_NAMES = {_C.dtype.float32: "FloatTensor", _C.dtype.float64: "DoubleTensor",
               _C.dtype.int64: "LongTensor", _C.dtype.bool: "BoolTensor"}


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
    return tensor(data, dtype=dtype, device=device)


class _LegacyTensorType(type):
    """The metaclass of FloatTensor & co.: calling one builds a tensor of its dtype; isinstance
    holds for CPU tensors of that dtype."""

    def __call__(cls, *args, device=None):
        return new_legacy_tensor(cls.dtype, *args, device=device)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype == cls.dtype and obj.device.type == "cpu"

    def __repr__(cls):
        return f"<class 'chainrule.{cls.__name__}'>"


def _legacy_type(dtype):
    return _LegacyTensorType(_TYPE_NAMES[dtype], (), {"dtype": dtype, "__module__": "chainrule"})


FloatTensor = _legacy_type(_C.dtype.float32)
DoubleTensor = _legacy_type(_C.dtype.float64)
LongTensor = _legacy_type(_C.dtype.int64)
BoolTensor = _legacy_type(_C.dtype.bool)
_BY_NAME = {f"torch.{c.__name__}": c for c in (FloatTensor, DoubleTensor, LongTensor, BoolTensor)}
_BY_NAME.update({f"chainrule.{c.__name__}": c for c in _BY_NAME.values()})


def tensor_type(self, dtype=None, non_blocking=False, **kwargs):
    """Tensor.type(): with no dtype, the type's name ('torch.FloatTensor', 'torch.cuda.FloatTensor'
    on a GPU); given a dtype, a type name such as 'torch.DoubleTensor' or a class such as
    chainrule.LongTensor, the tensor converted (itself when it already has that dtype)."""
    if dtype is None:
        device = "cuda." if self.device.type == "cuda" else ""
        return f"torch.{device}{_TYPE_NAMES[self.dtype]}"
    if isinstance(dtype, str):
        if dtype not in _BY_NAME:
            raise ValueError(f"invalid type: {dtype!r} (chainrule has {', '.join(sorted(_BY_NAME))})")
        dtype = _BY_NAME[dtype]
    if isinstance(dtype, _LegacyTensorType):
        dtype = dtype.dtype
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
