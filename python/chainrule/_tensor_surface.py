"""Small parts of PyTorch's tensor surface that programs touch in passing: memory formats
(contiguous_format, channels_last, ... accepted by clone/contiguous/to/*_like), the one layout
(strided, accepted by the factories' layout=), the predicates
is_complex, is_floating_point, is_signed, is_nonzero and is_same_size, is_cpu/get_device(), the
new_* factories (new_zeros, new_full, new_tensor, ...), f-string formatting of 0-d tensors
(f"{loss:.4f}"), nbytes/itemsize, _grad (PyTorch's name behind .grad, which A3C programs assign:
`global_param._grad = local_param.grad`), and the device/layout flags that are always False on chainrule
tensors (is_sparse, is_quantized, is_meta, is_mps, is_xpu), and PyTorch's once-per-process UserWarning when
float() turns a tensor that requires grad into a Python number while grad mode is on (`float(loss)`).

Memory formats lay tensors out as PyTorch's do: channels_last (NHWC strides) from contiguous/clone/
to/*_like/factories, and preserve_format (the default of clone, to, float() & co. and *_like) keeps a
permuted or channels_last input's layout; elementwise ops follow their inputs' layout. Convolutions,
normalizations and pooling return row-major results (PyTorch's keep channels_last): same values.
"""
import functools
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule._tensor import _COPY_CONSTRUCT_WARNING, tensor


class memory_format:
    """A memory layout name (chainrule.contiguous_format, preserve_format, channels_last,
    channels_last_3d). `rank` is the tensor rank the format requires, if any."""

    def __init__(self, name, rank=None):
        self._name, self.rank = name, rank

    def __repr__(self):
        return f"torch.{self._name}"


class layout:
    """A tensor layout name: chainrule has one, strided (dense), which factories' layout= accepts."""

    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return f"torch.{self._name}"


strided = layout("strided")
contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last", rank=4)
channels_last_3d = memory_format("channels_last_3d", rank=5)


def check_memory_format(format, input, op):
    """TypeError unless `format` is a memory_format; RuntimeError when it needs another rank (as
    PyTorch). Called by the bound clone/contiguous/to for a memory_format that is not None."""
    if not isinstance(format, memory_format):
        raise TypeError(f"{op}(): argument 'memory_format' must be chainrule.memory_format, "
                        f"not {type(format).__name__}")
    if format.rank is not None and input.dim() != format.rank:
        raise RuntimeError(f"{op}: required rank {format.rank} tensor to use {format._name} format, got a tensor "
                           f"of shape {tuple(input.shape)}")


def _with_memory_format(factory):
    """factory(input, ...) (zeros_like & co.) with PyTorch's memory_format= keyword accepted."""

    @functools.wraps(factory)
    def like(input, *args, memory_format=None, **kwargs):
        if memory_format is not None:
            check_memory_format(memory_format, input, factory.__name__)
        result = factory(input, *args, **kwargs)
        if memory_format is contiguous_format or (memory_format in (None, preserve_format) and input.is_contiguous()):
            return result
        if memory_format in (None, preserve_format):  # PyTorch's default: input's layout (permuted, NHWC)
            laid_out = input.detach().to(result.device, result.dtype).clone()
            laid_out.copy_(result)
        else:
            laid_out = result.detach().contiguous(memory_format=memory_format)
        return laid_out.requires_grad_(result.requires_grad)
    return like


zeros_like = _with_memory_format(_C.zeros_like)
ones_like = _with_memory_format(_C.ones_like)
empty_like = _with_memory_format(_C.empty_like)
full_like = _with_memory_format(_C.full_like)
rand_like = _with_memory_format(_C.rand_like)
randn_like = _with_memory_format(_C.randn_like)


def _check_tensor(op, input):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")


def is_complex(input):
    """False: chainrule has no complex dtypes."""
    _check_tensor("is_complex", input)
    return False


def is_floating_point(input):
    _check_tensor("is_floating_point", input)
    return input.is_floating_point()


def is_signed(input):
    """True for every dtype but bool (chainrule has no unsigned dtypes)."""
    _check_tensor("is_signed", input)
    return input.dtype != _C.dtype.bool


def is_nonzero(input):
    """The one element of input as a Python bool; RuntimeError for none or several elements."""
    _check_tensor("is_nonzero", input)
    if input.numel() != 1:
        amount = "no values" if input.numel() == 0 else "more than one value"
        raise RuntimeError(f"Boolean value of Tensor with {amount} is ambiguous")
    return bool(input.item())


def is_same_size(input, other):
    _check_tensor("is_same_size", input)
    if not isinstance(other, Tensor):
        raise TypeError(f"is_same_size(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return input.shape == other.shape


def _get_device(self):
    """-1 for a CPU tensor, the CUDA device index otherwise."""
    return -1 if self.device.type == "cpu" else self.device.index


def _sizes(size, op):
    """new_zeros(2, 3) and new_zeros((2, 3)) both name the sizes (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    if not all(isinstance(s, int) and not isinstance(s, bool) for s in size):
        raise TypeError(f"{op}(): size must be ints or one sequence of ints, got {size!r}")
    return size


def _new_factory(factory, op):
    """Tensor.new_<op>(*size, dtype=None, device=None, requires_grad=False), or new_<op>(size=...):
    dtype and device default to self's."""

    def new(self, *args, size=None, dtype=None, device=None, requires_grad=False, **kwargs):
        if size is not None and args:
            raise TypeError(f"{op}() got multiple values for argument 'size'")
        if size is None and not args:
            raise TypeError(f'{op}() missing 1 required positional arguments: "size"')
        return factory(_sizes(args, op) if size is None else size, dtype=dtype or self.dtype,
                       device=device or self.device, requires_grad=requires_grad, **kwargs)
    new.__name__ = op
    return new


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return _C.full(tuple(size), fill_value, dtype=dtype or self.dtype, device=device or self.device,
                   requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of data as a new leaf, of self's dtype and device unless given; a tensor as data gets
    torch.tensor's copy-construct warning, at the caller's line."""
    if isinstance(data, Tensor):
        warnings.warn(_COPY_CONSTRUCT_WARNING.format("tensor.new_tensor"), UserWarning, stacklevel=2)
        copy = data.detach().to(dtype=dtype or self.dtype, device=device or self.device, copy=True)
        return copy.requires_grad_(requires_grad)
    return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)


def _format(self, format_spec):
    """A 0-d tensor formats as its Python number (f"{loss:.4f}"); others as object.__format__ does."""
    if self.dim() == 0 and type(self) is Tensor:
        return self.item().__format__(format_spec)
    return object.__format__(self, format_spec)


_tensor_to_float = Tensor.__float__
_scalar_conversion_warned = False


def _float(self):
    """float(tensor); warns once, as PyTorch's TORCH_WARN_ONCE, when the tensor requires grad in grad mode."""
    global _scalar_conversion_warned
    if not _scalar_conversion_warned and self.requires_grad and _C.is_grad_enabled():
        _scalar_conversion_warned = True
        warnings.warn("Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
                      "Consider using tensor.detach() first.", UserWarning, stacklevel=2)
    return _tensor_to_float(self)


Tensor.__float__ = _float
Tensor.new_zeros = _new_factory(_C.zeros, "new_zeros")
Tensor.new_ones = _new_factory(_C.ones, "new_ones")
Tensor.new_empty = _new_factory(_C.empty, "new_empty")
Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
Tensor.__format__ = _format
Tensor.is_complex = lambda self: False
Tensor.is_signed = is_signed
Tensor.is_nonzero = is_nonzero
Tensor.is_same_size = is_same_size
Tensor.get_device = _get_device
Tensor.is_cpu = property(lambda self: self.device.type == "cpu", doc="Whether the tensor lives on the CPU.")
Tensor.nbytes = property(lambda self: self.numel() * self.element_size(), doc="numel() * element_size()")
Tensor._grad = property(lambda self: self.grad, lambda self, value: setattr(self, "grad", value),
                        doc="The gradient, as .grad: A3C workers assign global_param._grad = local_param.grad.")
Tensor.itemsize = property(lambda self: self.element_size(), doc="The size of one element in bytes.")
for _flag in ("is_sparse", "is_quantized", "is_mps", "is_xpu"):
    setattr(Tensor, _flag, property(lambda self: False, doc="Always False on chainrule tensors."))
