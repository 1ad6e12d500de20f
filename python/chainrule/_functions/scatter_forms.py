"""Out-of-place writes into a copy, composed from where, index_add, index_put_ and copy_ into views of
a clone (all recorded by autograd, so gradients reach both the input and the written values):
index_fill, index_copy, masked_scatter, index_put, select_scatter, slice_scatter, put and fill,
with their Tensor methods and in-place forms.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.dtypes import scalar_type_name
from chainrule._functions.in_place import in_place
from chainrule._tensor_surface import contiguous_format
from chainrule.amp import cast_policy as _autocast


def _positions_along(input, dim, index, op):
    """A bool tensor broadcasting against input, True at `index` along dim."""
    if index.dtype != _C.dtype.int64 or index.ndim > 1:
        raise IndexError(f"{op}: index must be a 0-D or 1-D int64 tensor, got {index.dtype} of shape "
                         f"{list(index.shape)}")
    size = input.shape[dim] if input.ndim else 1
    flat = index.reshape(-1)
    if flat.numel() and bool(((flat >= size) | (flat < -size)).any()):  # one host read
        raise IndexError(f"{op}: index out of range in self (size {size} along dim {dim})")
    hits = _C.zeros(size, dtype=_C.dtype.bool, device=input.device)
    hits[flat] = True
    shape = [1] * input.ndim
    if input.ndim:
        shape[dim] = size
    return hits.reshape(*shape)


def index_fill(input, dim, index, value):
    """A copy of input with the slices at `index` along dim set to value (a number or a 0-d tensor)."""
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    hits = _positions_along(input, dim, index, "index_fill")
    fill = (value.to(device=input.device, dtype=input.dtype) if isinstance(value, Tensor)
            else _C.full((), value, dtype=input.dtype, device=input.device))
    return _C.where(hits, fill, input)


@_autocast.promote
def index_copy(input, dim, index, source):
    """A copy of input with slice index[i] along dim replaced by source's slice i."""
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{scalar_type_name(input.dtype)} and (source) {scalar_type_name(source.dtype)}")
    if index.ndim > 1 or index.numel() != (source.shape[dim] if source.ndim else 1):
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to "
                         f"source.size(dim) ({source.shape[dim] if source.ndim else 1})")
    cleared = index_fill(input, dim, index, 0)
    return cleared.index_add(dim, index.reshape(-1), source)


def masked_scatter(input, mask, source):
    """A copy of input whose elements where mask (broadcast) is True take source's elements in order."""
    if mask.dtype != _C.dtype.bool:
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype {mask.dtype}")
    shape = list(input.shape)
    hits = mask.expand(*shape) if tuple(mask.shape) != tuple(shape) else mask
    positions = hits.reshape(-1).nonzero().reshape(-1)
    count = positions.numel()
    if source.numel() < count:
        raise RuntimeError(f"masked_scatter: expected source to have at least {count} elements (the True entries "
                           f"of mask), got {source.numel()}")
    flat = _C.zeros(input.numel(), dtype=input.dtype, device=input.device)
    scattered = flat.index_add(0, positions, source.reshape(-1)[:count].to(input.dtype))
    return _C.where(hits, scattered.reshape(*shape), input)


def index_put(input, indices, values, accumulate=False):
    """A copy of input with input[indices] = values (or += with accumulate)."""
    return input.clone().index_put_(indices, values, accumulate)


def fill(input, value):
    """A tensor of input's shape and dtype filled with value (a number, or a 0-d tensor that then
    receives the sum of the gradient)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"fill only supports 0-dimension value tensor but got tensor with {value.ndim} "
                               f"dimensions.")
        return value.to(input.dtype).expand(*input.shape).clone()
    return _C.full_like(input, value)


def _view_slice(dim, start, end, step):
    return (slice(None),) * dim + (slice(start, end, step),)


def select_scatter(input, src, dim, index):
    """A copy of input with input.select(dim, index) replaced by src."""
    out = input.clone()
    target = out.select(dim, index)
    if tuple(target.shape) != tuple(src.shape):
        raise RuntimeError(f"select_scatter: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(target.shape)}")
    target.copy_(src)
    return out


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """A copy of input with input[..., start:end:step, ...] (along dim) replaced by src."""
    out = input.clone()
    target = out[_view_slice(wrap_dim(dim, input.ndim), start, end, step)]
    if tuple(target.shape) != tuple(src.shape):
        raise RuntimeError(f"slice_scatter: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(target.shape)}")
    target.copy_(src)
    return out


def put(input, index, source, accumulate=False):
    """A copy of input with its flattened elements at `index` set to (or, with accumulate, increased by)
    source's elements; negative indices count from the end."""
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                           f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    out = input.clone(memory_format=contiguous_format)  # row-major, so that its flat view is one
    out.reshape(-1).index_put_((index.reshape(-1),), source.reshape(-1).to(input.dtype), accumulate)
    return out


for _fn in (index_fill, index_copy, masked_scatter, index_put, select_scatter, slice_scatter, put):
    setattr(Tensor, _fn.__name__, _fn)
for _fn in (index_fill, index_copy, masked_scatter, put):
    setattr(Tensor, _fn.__name__ + "_", in_place(_fn))
index_put_ = Tensor.index_put_
