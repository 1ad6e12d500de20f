"""Broadcasting and axis helpers: broadcast_to/broadcast_shapes/broadcast_tensors, meshgrid, and the
swapaxes/swapdims/moveaxis/movedim (these also with sequences of dims). All are views (expand,
reshape, transpose, permute), so gradients flow. The in-place view ops (transpose_, t_, squeeze_,
unsqueeze_, swapaxes_/swapdims_) change the tensor's own shape, outside autograd: on a tensor that
requires grad they raise (PyTorch would record them; use the out-of-place op there)."""
import warnings

from chainrule import _C
from chainrule._C import Tensor


def broadcast_shapes(*shapes):
    """The shape that all `shapes` broadcast to (PyTorch's rules: align right, 1 stretches)."""
    from chainrule._tensor import Size
    result = []
    for shape in shapes:
        shape = (shape,) if isinstance(shape, int) else tuple(shape)
        for i, size in enumerate(reversed(shape)):
            if size < 0:
                raise RuntimeError(f"broadcast_shapes: sizes must be non-negative, got {shape}")
            if i == len(result):
                result.append(size)
            elif result[i] == 1:
                result[i] = size
            elif size != 1 and size != result[i]:
                raise RuntimeError(f"broadcast_shapes: shape mismatch: objects cannot be broadcast to a single "
                                   f"shape; {list(shape)} and {list(reversed(result))} differ at dim {-1 - i}")
    return Size(reversed(result))


def broadcast_to(input, size):
    """input expanded (as a view) to `size`; -1 keeps a size."""
    return input.expand(*size)


def broadcast_tensors(*tensors):
    """The tensors expanded (as views) to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t.expand(*shape) for t in tensors)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: with indexing='ij' output i varies along dim i; 'xy' swaps
    the first two dims (NumPy's default). indexing=None means 'ij' with PyTorch's warning."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"meshgrid: indexing must be one of 'xy' or 'ij', but received: {indexing}")
    if not tensors:
        raise RuntimeError("meshgrid: expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, got a tensor of shape {list(t.shape)}")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(f"meshgrid: expects all tensors to have the same dtype, got {tensors[0].dtype} "
                               f"and {t.dtype}")
    swap = indexing == "xy" and len(tensors) >= 2
    order = list(tensors)
    if swap:
        order[0], order[1] = order[1], order[0]
    shape = [t.numel() for t in order]
    grids = []
    for i, t in enumerate(order):
        view = [1] * len(order)
        view[i] = shape[i]
        grids.append(t.reshape(*view).expand(*shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def swapaxes(input, axis0, axis1):
    return input.transpose(axis0, axis1)


swapdims = swapaxes


def moveaxis(input, source, destination):
    """input with dims `source` (an int or a sequence) moved to positions `destination`."""
    if isinstance(source, int) and isinstance(destination, int):
        return _C.movedim(input, source, destination)
    source = [source] if isinstance(source, int) else list(source)
    destination = [destination] if isinstance(destination, int) else list(destination)
    nd = input.ndim
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({source} dims) should contain "
                           f"the same number of dims as destination ({destination} dims)")
    src, dst = [d % nd for d in source], [d % nd for d in destination]
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in source {source} or destination {destination}")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    return input.permute(*[o if o is not None else next(rest) for o in order])


def _in_place_view(view):
    """The in-place form of a view op: self takes the view's geometry (through Tensor.data)."""
    def method(self, *args, **kwargs):
        if self.requires_grad and _C.is_grad_enabled():
            raise RuntimeError(f"{view.__name__}_: chainrule does not record in-place view ops for autograd; "
                               f"use x = x.{view.__name__}(...) on a tensor that requires grad")
        self.data = view(self.detach(), *args, **kwargs)
        return self
    method.__name__ = view.__name__ + "_"
    return method


Tensor.transpose_ = Tensor.swapaxes_ = Tensor.swapdims_ = _in_place_view(Tensor.transpose)
Tensor.t_ = _in_place_view(Tensor.t)
Tensor.squeeze_ = _in_place_view(Tensor.squeeze)
Tensor.unsqueeze_ = _in_place_view(Tensor.unsqueeze)
Tensor.broadcast_to = broadcast_to
Tensor.swapdims = swapdims
movedim = moveaxis  # the bound movedim takes single ints only
Tensor.moveaxis = Tensor.movedim = moveaxis
