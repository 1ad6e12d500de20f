"""Creation functions composed from the bound factories: randint_like, empty_strided (and
Tensor.new_empty_strided), asarray, plus Tensor.narrow_copy and typename."""
from chainrule import _C
from chainrule._C import Tensor


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False, generator=None):
    """Integers uniform in [low, high) in input's shape (and dtype, unless given); randint_like(t, high)
    is randint_like(t, 0, high)."""
    if high is None:
        low, high = 0, low
    out = _C.randint(low, high, tuple(input.shape), generator=generator,
                     dtype=input.dtype if dtype is None else dtype, device=input.device if device is None else device)
    return out.requires_grad_(requires_grad) if requires_grad else out


def empty_strided(size, stride, *, dtype=None, device=None, requires_grad=False):
    """An uninitialized tensor of `size` laid out with `stride` over just enough storage."""
    size, stride = tuple(size), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape: size {list(size)}, stride {list(stride)}")
    extent = 0 if 0 in size else 1 + sum((n - 1) * s for n, s in zip(size, stride))
    out = _C.empty(extent, dtype=dtype, device=device).as_strided(size, stride)
    return out.requires_grad_(requires_grad) if requires_grad else out


def _new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False):
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=self.device if device is None else device, requires_grad=requires_grad)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """obj as a tensor: sharing memory with a tensor or NumPy array when copy is not True and no
    conversion is needed, copying when copy=True; copy=False refuses to copy."""
    from chainrule._tensor import as_tensor, tensor
    if copy:
        out = tensor(obj, dtype=dtype, device=device)
    else:
        out = as_tensor(obj, dtype=dtype, device=device)
        if copy is False and not _shares(obj, out):
            raise ValueError("asarray: copy=False, but the object cannot be converted without copying")
    if requires_grad:
        out = out.detach().requires_grad_(True) if out is obj else out.requires_grad_(True)
    return out


def _shares(obj, out):
    if isinstance(obj, Tensor):
        return out is obj or out.data_ptr() == obj.data_ptr()
    interface = getattr(obj, "__array_interface__", None)
    return interface is not None and interface["data"][0] == out.data_ptr()


def narrow_copy(input, dim, start, length):
    """input.narrow(dim, start, length) as a tensor of its own."""
    return input.narrow(dim, start, length).clone()


def typename(obj):
    """PyTorch's type name: 'torch.FloatTensor' style for tensors, module.qualname for other objects."""
    if isinstance(obj, Tensor):
        return obj.type()
    cls = obj if isinstance(obj, type) else type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, "builtins") else f"{module}.{cls.__qualname__}"


Tensor.new_empty_strided = _new_empty_strided
Tensor.narrow_copy = narrow_copy
