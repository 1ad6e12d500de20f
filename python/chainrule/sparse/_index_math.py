"""The index arithmetic under sparse COO tensors, on dense chainrule tensors.

A position indices[:, k] in a sparse shape is numbered row-major (its flat position), so repeated
positions are equal numbers and sorting the numbers sorts the positions. Values are moved with
index_add, which is differentiable in the values: summing repeats (coalesce) and scattering into a
dense tensor (to_dense) pass gradients back to every stored entry.
"""
import math

from chainrule import _C


def wrap_dim(dim, ndim):
    """dim in [-ndim, ndim) as a non-negative dim; IndexError with PyTorch's message otherwise."""
    if not -ndim <= dim < max(ndim, 1):
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(ndim, 1)}, "
                         f"{max(ndim, 1) - 1}], but got {dim})")
    return dim % max(ndim, 1)


def _strides(sparse_shape):
    strides, step = [], 1
    for size in reversed(sparse_shape):
        strides.append(step)
        step *= size
    return strides[::-1]


def flat_positions(indices, sparse_shape):
    """The row-major number of each position (column) of `indices` in `sparse_shape`."""
    flat = _C.zeros(indices.shape[1], dtype=_C.dtype.int64, device=indices.device)
    for row, stride in enumerate(_strides(sparse_shape)):
        flat = flat + indices[row] * stride
    return flat


def positions_of(flat, sparse_shape):
    """The (sparse_dim, n) indices of row-major numbers `flat`: the inverse of flat_positions."""
    rows = [(flat // stride) % size for size, stride in zip(sparse_shape, _strides(sparse_shape))]
    return _C.stack(rows) if rows else _C.zeros(0, flat.shape[0], dtype=_C.dtype.int64, device=flat.device)


def sum_repeated_positions(indices, values, sparse_shape):
    """(indices, values) with each position once, in row-major order, holding the sum of its values."""
    import chainrule
    flat = flat_positions(indices, sparse_shape)
    unique_flat, slot = chainrule.unique(flat, sorted=True, return_inverse=True)
    summed = values.new_zeros((unique_flat.shape[0],) + tuple(values.shape[1:])).index_add(0, slot, values)
    return positions_of(unique_flat, sparse_shape), summed


def scatter_to_dense(indices, values, shape):
    """The dense tensor of `shape` with values summed at their positions, zeros elsewhere."""
    sparse_shape = shape[:indices.shape[0]]
    dense = values.new_zeros((math.prod(sparse_shape),) + tuple(values.shape[1:]))
    return dense.index_add(0, flat_positions(indices, sparse_shape), values).view(tuple(shape))
