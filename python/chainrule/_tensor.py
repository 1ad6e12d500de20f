"""Python conveniences on the bound Tensor: Size, tensor()/as_tensor(), repr, iteration and NumPy hooks."""
import builtins
import copy
import warnings

import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._foreign_tensors import is_pytorch_bfloat16, is_pytorch_tensor, pytorch_tensor_array
from chainrule._tensor_str import tensor_repr


class Size(tuple):
    """The shape of a tensor: a tuple of ints that prints as chainrule.Size([2, 3])."""

    def __repr__(self):
        return f"chainrule.Size({list(self)})"

    def numel(self):
        n = 1
        for d in self:
            n *= d
        return n

    # Concatenating, repeating and slicing keep the type, as torch.Size's do (a tuple on either side).
    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __radd__(self, other):
        return Size(tuple(other) + tuple(self))

    def __mul__(self, times):
        return Size(tuple(self) * times)

    __rmul__ = __mul__

    def __getitem__(self, index):
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item


def _is_array_like(data):
    """Whether data is not a NumPy array but converts to one (a pandas Series, Index or extension array),
    whose elements PyTorch reads as NumPy values of its dtype."""
    return not isinstance(data, (np.ndarray, np.generic, list, tuple, Tensor)) and hasattr(data, "__array__")


def _holds_numpy_float64(data):
    """Whether data is, or nests, a NumPy float64 array or scalar, or an array-like of float64 (a list of
    pandas Series), which keep float64 in PyTorch."""
    if isinstance(data, (np.ndarray, np.generic)):
        return data.dtype == np.float64
    if isinstance(data, (list, tuple)):
        return any(_holds_numpy_float64(item) for item in data)
    return _is_array_like(data) and np.asarray(data).dtype == np.float64


_KEPT_INTEGERS = {np.dtype(np.int32): _C.dtype.int32, np.dtype(np.int16): _C.dtype.int16,
                  np.dtype(np.uint8): _C.dtype.uint8, np.dtype(np.int8): _C.dtype.int8}


def _default_dtype_of(array, data):
    """PyTorch's inference: Python floats -> the default dtype (float32 unless set_default_dtype changed
    it); NumPy arrays and scalars keep their float width."""
    kind = array.dtype.kind
    if kind == "b":
        return _C.dtype.bool
    if array.dtype in _KEPT_INTEGERS and isinstance(data, (np.ndarray, np.generic)):
        return _KEPT_INTEGERS[array.dtype]  # NumPy's int32, int16, uint8 and int8 keep their dtype, as in PyTorch
    if kind in "iu":
        return _C.dtype.int64
    if kind == "f":
        if array.dtype == np.float64 and not _holds_numpy_float64(data):
            return _C._get_default_dtype()  # Python floats
        return {np.float64: _C.dtype.float64, np.float16: _C.dtype.float16}.get(array.dtype.type, _C.dtype.float32)
    raise TypeError(f"tensor: cannot make a tensor from data of NumPy dtype {array.dtype} "
                    "(expected numbers or bools)")


_INT64_MAX = 2**63 - 1


def _python_numbers_with_a_float(array):
    """Whether an object array holds only Python numbers, a float among them."""
    items = list(array.flat)
    return all(isinstance(item, (int, float)) for item in items) and any(isinstance(item, float) for item in items)


def _check_python_ints_fit(data, array):
    """Python ints past int64, with no float beside them, are a ValueError as in PyTorch; NumPy
    would make them uint64 (2**64 - 1 became -1), float64 ([1, 2**64 - 1]) or objects."""
    if array.dtype.kind == "f" and not (array.size and float(np.abs(array).max()) >= 2.0**63):
        return  # no value that large: no int past int64 either
    items = list((array if array.dtype == object else np.array(data, dtype=object)).flat)
    if any(isinstance(item, float) for item in items):
        return  # a float makes it a float tensor, as in PyTorch
    for item in items:
        if isinstance(item, int) and not -_INT64_MAX - 1 <= item <= _INT64_MAX:
            raise ValueError(f"tensor: integer {item} does not fit in int64 (Overflow when unpacking long long)")


# The Python numbers each integer dtype takes in tensor(), as PyTorch checks them: (ints, floats)
# as inclusive ranges; floats past int64 must also be finite. A negative int wraps into uint8.
_INTEGER_RANGES = {_C.dtype.int64: ((-2**63, 2**63 - 1), (-2.0**63, np.nextafter(2.0**63, 0))),
                   _C.dtype.int32: ((-2**31, 2**31 - 1), (-2.0**31, 2.0**31 - 1)),
                   _C.dtype.int16: ((-2**15, 2**15 - 1), (-2.0**15, 2.0**15 - 1)),
                   _C.dtype.uint8: ((-255, 255), (0.0, 255.0)),
                   _C.dtype.int8: ((-128, 127), (-128.0, 127.0))}


def _check_python_numbers_fit(array, dtype):
    """Python numbers asked for as an integer dtype must be finite and in its range, as in PyTorch
    (a NumPy array is cast instead, wrapping, NaN giving INT64_MIN, as PyTorch does too)."""
    (int_lo, int_hi), (float_lo, float_hi) = _INTEGER_RANGES[dtype]
    lo, hi = (float_lo, float_hi) if array.dtype.kind == "f" else (int_lo, int_hi)
    bad = ~(np.isfinite(array) & (array >= lo) & (array <= hi)) if array.dtype.kind == "f" else ~((array >= lo) & (array <= hi))
    if bad.any():
        raise RuntimeError(f"tensor: value cannot be converted to type {str(dtype).split('.')[-1]} without overflow "
                           f"(got {array[bad].flat[0]})")


def _nests_a_tensor(data):
    """Whether a list/tuple holds a tensor at any depth (NumPy arrays are not looked into)."""
    kinds = set(map(type, data))  # at C speed: tensor(list of a million floats) stays fast
    if any(issubclass(kind, Tensor) for kind in kinds):
        return True
    if list in kinds or tuple in kinds:
        return any(_nests_a_tensor(item) for item in data if type(item) in (list, tuple))
    return False


def _tensors_as_numbers(data):
    """The nesting with each tensor in it read as PyTorch reads it: one number of its dtype (a 0-d
    NumPy array), so torch.tensor([a, b]) of two shape-(1,) tensors has shape (2,), not (2, 1)."""
    if isinstance(data, Tensor):
        if data.numel() != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return data.detach().cpu().numpy().reshape(())
    if isinstance(data, (list, tuple)):
        return [_tensors_as_numbers(item) for item in data]
    return data


_COPY_CONSTRUCT_WARNING = ("To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
                           "sourceTensor.detach().clone().requires_grad_(True), rather than {}(sourceTensor).")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of `data` (a number, nested sequences, a NumPy array or a tensor);
    pin_memory=True pins it, as Tensor.pin_memory() does."""
    if isinstance(dtype, str):
        raise TypeError(f"tensor: dtype must be a chainrule dtype such as chainrule.float32, not the string {dtype!r}")
    if isinstance(data, Tensor):
        warnings.warn(_COPY_CONSTRUCT_WARNING.format("torch.tensor"), UserWarning, stacklevel=2)
        out = data.detach().clone()
        if dtype is not None:
            out = out.to(dtype)
    else:
        if isinstance(data, np.ndarray) and data.dtype == object:
            # PyTorch's TypeError: a DataFrame's .values mixing bool and number columns is such an array
            raise TypeError("tensor: can't convert np.ndarray of type numpy.object_; convert it to a numeric dtype "
                            "first (arr.astype(np.float32))")
        if is_pytorch_tensor(data):
            dtype = _C.dtype.bfloat16 if dtype is None and is_pytorch_bfloat16(data) else dtype
            data = pytorch_tensor_array(data)
        elif isinstance(data, (list, tuple)) and _nests_a_tensor(data):
            data = _tensors_as_numbers(data)
        elif _is_array_like(data):
            data = np.asarray(data)  # a pandas Series or Index: its NumPy dtype, as PyTorch keeps it
        try:
            array = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"tensor: data must be a rectangular nested sequence of numbers: {e}") from None
        if array.dtype == object and _python_numbers_with_a_float(array):
            array = array.astype(np.float64)  # [2**70, 1.5]: ints past int64 beside floats are floats
        if array.dtype == np.uint64 and array.size and array.max() > _INT64_MAX:
            raise ValueError(f"tensor: integer {array.max()} does not fit in int64 "
                             "(Overflow when unpacking long long)")
        if array.dtype.kind in "fO" and not isinstance(data, (np.ndarray, np.generic)):
            _check_python_ints_fit(data, array)
        if array.dtype == object:
            raise _C.DTypeError(f"tensor: could not infer a dtype from {type(data).__name__} data; "
                                "expected numbers, bools or tensors in a rectangular nesting")
        # Straight to the requested dtype (any spelling to() takes): through the inferred one first,
        # 0.1 asked for as float64 would be rounded to float32 on the way.
        out = _C._from_numpy_copy(array, _default_dtype_of(array, data) if dtype is None else dtype)
        if out.dtype in _INTEGER_RANGES and array.dtype.kind in "fiu" and not isinstance(data, (np.ndarray, np.generic)):
            if array.dtype.kind == "f" or out.dtype != _C.dtype.int64:  # Python ints were checked against int64 above
                _check_python_numbers_fit(array, out.dtype)
    if device is not None:
        out = out.to(device)
    if pin_memory:
        out = out.pin_memory()
    if requires_grad:
        out.requires_grad_(True)
    return out


def as_tensor(data, dtype=None, device=None):
    """Like tensor(), but returns `data` itself when it is already a tensor of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtype):
        return data
    if isinstance(data, np.ndarray) and dtype is None and data.dtype in (np.float32, np.float64, np.float16, np.int64,
                                                                         np.int32, np.int16, np.uint8, np.int8,
                                                                         np.bool_):
        return _C.from_numpy(data)
    warn_if_read_only_array(data, stacklevel=3)
    return tensor(data, dtype=dtype, device=device)


def warn_if_read_only_array(data, stacklevel):
    """from_numpy's warning for a read-only NumPy array, which PyTorch's as_tensor and legacy constructors
    (Tensor(a), FloatTensor(a), x.new(a)) give as they wrap the array before converting or copying it;
    torch.tensor copies at once and does not warn."""
    if isinstance(data, np.ndarray) and not data.flags.writeable and data.dtype.kind in "biuf":
        warnings.warn(_C._READ_ONLY_ARRAY_WARNING, UserWarning, stacklevel=stacklevel)


_BUFFER_DTYPES = {_C.dtype.float32: np.float32, _C.dtype.float64: np.float64, _C.dtype.float16: np.float16,
                  _C.dtype.bfloat16: np.int16, _C.dtype.int64: np.int64,
                  _C.dtype.int32: np.int32, _C.dtype.int16: np.int16, _C.dtype.uint8: np.uint8, _C.dtype.int8: np.int8,
                  _C.dtype.bool: np.bool_}


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor over the bytes of an object with the buffer protocol (bytes, bytearray, mmap,
    array.array), sharing them as PyTorch does: `offset` bytes skipped, then `count` elements (-1: all
    the rest). A read-only buffer gives a tensor with from_numpy's warning. bfloat16, which NumPy lacks,
    is read as int16 and viewed as bfloat16."""
    if dtype not in _BUFFER_DTYPES:
        raise TypeError(f"frombuffer: dtype must be a chainrule dtype, got {dtype!r}")
    element = np.dtype(_BUFFER_DTYPES[dtype]).itemsize
    length = memoryview(buffer).nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than buffer length "
                         f"({length} bytes) minus 1")
    if count < 0 and (length - offset) % element:
        raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} bytes) must be a multiple "
                         f"of element size ({element})")
    if count > 0 and count * element > length - offset:
        raise ValueError(f"requested buffer length ({count} * {element} bytes) after offset ({offset} bytes) must "
                         f"not be greater than actual buffer length ({length} bytes)")
    array = np.frombuffer(buffer, dtype=_BUFFER_DTYPES[dtype], count=count, offset=offset)
    t = _C.from_numpy(array)
    return (t.view(dtype) if dtype == _C.dtype.bfloat16 else t).requires_grad_(requires_grad)


def is_tensor(obj):
    return isinstance(obj, Tensor)


def _iter(self):
    if self.ndim == 0:
        raise TypeError("iteration over a 0-d tensor")
    return (self.select(0, i) for i in builtins.range(len(self)))


def _array(self, dtype=None, copy=None):
    a = self.detach().numpy()
    return a if dtype is None else a.astype(dtype, copy=False)


_core_numpy = Tensor.numpy


def _numpy(self, *, force=False):
    """The tensor as a NumPy array sharing its memory (a CPU tensor that does not require grad);
    force=True first detaches it and copies it to the CPU, as torch.Tensor.numpy(force=True)."""
    if force:
        self = self.detach().cpu()
    return _core_numpy(self)


def _rebuild_tensor(array, requires_grad, device="cpu"):
    """Unpickles a tensor: its values (a NumPy array, which pickles itself), requires_grad and the
    device it was on (pickles made before the device was stored hold CPU tensors)."""
    return _C.from_numpy(array).to(device).requires_grad_(requires_grad)


def _reduce_ex(self, protocol):
    # Values, requires_grad and device, as a new leaf: the autograd graph does not travel (as in
    # PyTorch). A GPU tensor's values are copied to the host here, as pickling one in PyTorch does.
    # Python attributes set on the tensor (t.tag = ...) travel as its state, as in PyTorch.
    rebuild = (_rebuild_tensor, (self.detach().cpu().numpy().copy(), self.requires_grad, str(self.device)))
    return rebuild + (dict(self.__dict__),) if self.__dict__ else rebuild


_core_deepcopy = Tensor.__deepcopy__


def _deepcopy(self, memo):
    """A copy with the values, requires_grad and grad (the core's) and the Python attributes, as PyTorch."""
    copied = _core_deepcopy(self, memo)
    if self.__dict__:
        copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return copied


Tensor.__reduce_ex__ = _reduce_ex
Tensor.__deepcopy__ = _deepcopy
Tensor.shape = property(lambda self: Size(self._shape), doc="The sizes of the tensor, as a chainrule.Size.")
Tensor.size = lambda self, dim=None: Size(self._shape) if dim is None else self._shape[dim]
Tensor.__iter__ = _iter
Tensor.__repr__ = tensor_repr
Tensor.__str__ = tensor_repr
Tensor.__array__ = _array
Tensor.numpy = _numpy
Tensor.__array_priority__ = 1000  # NumPy defers to our reflected operators

from chainrule import _numpy_operands  # noqa: E402,F401  (tensor <op> ndarray gives a tensor, as in PyTorch)
