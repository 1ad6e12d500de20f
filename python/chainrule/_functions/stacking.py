"""Shaping, stacking and splitting composed from views, cat and flip: atleast_1d/2d/3d, dstack,
column_stack, row_stack, tensor_split, hsplit/vsplit/dsplit, split_with_sizes, rot90, diff and
sum_to_size (the sum that undoes a broadcast), with their Tensor methods. The pieces of the splits
are narrow() views and rot90 is flips and a transpose, so gradients flow as through those.
"""
from chainrule import _C
from chainrule._C import Tensor


def _at_least(tensors, make):
    """make(t) of one tensor, or a tuple of them for several or a sequence; a TypeError, as PyTorch's,
    for anything that is not a tensor."""
    listed = len(tensors) == 1 and isinstance(tensors[0], (list, tuple))
    for i, t in enumerate(tensors[0] if listed else tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if listed:
        return tuple(make(t) for t in tensors[0])
    if len(tensors) == 1:
        return make(tensors[0])
    return tuple(make(t) for t in tensors)


def _1d(t):
    return t.reshape(1) if t.ndim == 0 else t


def _2d(t):
    return t.reshape(1, -1) if t.ndim < 2 else t


def _3d(t):
    if t.ndim == 0:
        return t.reshape(1, 1, 1)
    if t.ndim == 1:
        return t.reshape(1, -1, 1)
    return t.unsqueeze(-1) if t.ndim == 2 else t


def atleast_1d(*tensors):
    """Each tensor viewed with at least 1 dim (0-d becomes (1,)); one tensor in, one out."""
    return _at_least(tensors, _1d)


def atleast_2d(*tensors):
    """Each tensor viewed with at least 2 dims ((n,) becomes (1, n))."""
    return _at_least(tensors, _2d)


def atleast_3d(*tensors):
    """Each tensor viewed with at least 3 dims ((n,) becomes (1, n, 1), (m, n) becomes (m, n, 1))."""
    return _at_least(tensors, _3d)


def dstack(tensors):
    """The tensors joined along the third dim, after atleast_3d."""
    return _C.cat([_3d(t) for t in tensors], dim=2)


def column_stack(tensors):
    """The tensors side by side as columns: 0-d and 1-d ones become (n, 1) columns."""
    return _C.cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], dim=1)


row_stack = _C.vstack


def _section_bounds(size, sections):
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    base, extra = divmod(size, sections)
    bounds, start = [], 0
    for i in range(sections):
        length = base + (1 if i < extra else 0)
        bounds.append((start, start + length))
        start += length
    return bounds


def _index_bounds(size, indices):
    starts = [0] + list(indices)
    ends = list(indices) + [size]
    return [(min(s, size), min(max(e, s), size)) for s, e in zip(starts, ends)]


def tensor_split(input, indices_or_sections, dim=0):
    """Views of input along dim: an int n gives n pieces (the first size % n one longer), a list of
    indices cuts before each index (0-d tensor: sections; 1-d int64 tensor: indices)."""
    if input.ndim == 0:
        raise RuntimeError(f"tensor_split expected at least a 1-dimensional tensor, but got a tensor with "
                           f"{input.ndim} dims")
    if isinstance(indices_or_sections, Tensor):
        if indices_or_sections.dtype != _C.dtype.int64 or indices_or_sections.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor of int64, but got {indices_or_sections.dtype} with "
                               f"{indices_or_sections.ndim} dims")
        indices_or_sections = indices_or_sections.tolist()
    size = input.shape[dim]
    if isinstance(indices_or_sections, int):
        bounds = _section_bounds(size, indices_or_sections)
    else:
        bounds = _index_bounds(size, indices_or_sections)
    return tuple(input.narrow(dim, start, end - start) for start, end in bounds)


def split_with_sizes(input, split_sizes, dim=0):
    """Views of input along dim of the given sizes, which must add up to its size there."""
    size = input.shape[dim]
    if sum(split_sizes) != size or any(s < 0 for s in split_sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at "
                           f"dimension {dim}), but got split_sizes={list(split_sizes)}")
    return tuple(input.split(list(split_sizes), dim))


def sum_to_size(input, *sizes, size=None):
    """input summed over the dims that broadcasting `size` (varargs, one sequence or size=) to input's
    shape would have expanded."""
    if size is None:
        size = tuple(sizes[0]) if len(sizes) == 1 and not isinstance(sizes[0], int) else sizes
    elif sizes:
        raise TypeError("sum_to_size() got multiple values for argument 'size'")
    size = tuple(size)
    lead = input.ndim - len(size)
    expandable = lead >= 0 and all(s == t or s == 1 for s, t in zip(size, input.shape[lead:]))
    if not expandable:
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size {{{list(input.shape)}}}.")
    out = input.sum(tuple(range(lead))) if lead else input
    summed = tuple(d for d, (s, t) in enumerate(zip(size, out.shape)) if s == 1 and t != 1)
    return out.sum(summed, keepdim=True) if summed else out


def _directional_split(name, input, indices_or_sections, dim, min_dims):
    if input.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {input.ndim} dimensions!")
    if isinstance(indices_or_sections, int) and (indices_or_sections == 0
                                                 or input.shape[dim] % indices_or_sections != 0):
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{input.shape[dim]} is not divisible by the split_size {indices_or_sections}!")
    return tensor_split(input, indices_or_sections, dim)


def hsplit(input, indices_or_sections):
    """tensor_split along dim 1 (dim 0 for a 1-D tensor); sections must divide the size."""
    dim = 0 if input.ndim == 1 else 1
    return _directional_split("hsplit", input, indices_or_sections, dim, 1)


def vsplit(input, indices_or_sections):
    """tensor_split along dim 0 of a tensor with 2 or more dims."""
    return _directional_split("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):
    """tensor_split along dim 2 of a tensor with 3 or more dims."""
    return _directional_split("dsplit", input, indices_or_sections, 2, 3)


def rot90(input, k=1, dims=(0, 1)):
    """input rotated by k quarter turns in the plane of `dims`, from the first dim towards the second."""
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.ndim}")
    first, second = dims
    if first % input.ndim == second % input.ndim:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {first} and dim1 = {second}")
    k %= 4
    if k == 1:
        return input.flip(second).transpose(first, second)
    if k == 2:
        return input.flip(first, second)
    if k == 3:
        return input.flip(first).transpose(first, second)
    return input.clone()


def _check_end(input, dim, extra):
    """prepend/append must have input's dims and sizes except along dim."""
    if extra.ndim != input.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for d in range(input.ndim):
        if d != dim % input.ndim and extra.shape[d] != input.shape[d]:
            raise RuntimeError(f"diff expects the shape of tensor to prepend or append to match that of input "
                               f"except along the differencing dimension; input.size({d}) = {input.shape[d]}, "
                               f"but got tensor.size({d}) = {extra.shape[d]}")
    return extra


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The n-th forward difference along dim (x[i+1] - x[i], repeated n times; for bool, x[i+1] != x[i]),
    after joining prepend and append to input along dim."""
    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    out = input
    if prepend is not None or append is not None:
        before = [] if prepend is None else [_check_end(input, dim, prepend)]
        after = [] if append is None else [_check_end(input, dim, append)]
        out = _C.cat(before + [input] + after, dim=dim)
    for _ in range(n):
        length = out.shape[dim]
        if length == 0:
            break
        later, earlier = out.narrow(dim, 1, length - 1), out.narrow(dim, 0, length - 1)
        out = later != earlier if out.dtype == _C.dtype.bool else later - earlier
    return out


for _fn in (tensor_split, hsplit, vsplit, dsplit, rot90, diff, split_with_sizes, sum_to_size):
    setattr(Tensor, _fn.__name__, _fn)
