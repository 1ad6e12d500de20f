"""Diagonals: diag, diagonal and trace.

A diagonal is read by flattening the two dims and slicing with step cols + 1 (a view op chainrule
differentiates); a matrix with a given diagonal is built by reshaping rows [x_i, 0, ..., 0]. When no
gradient is recorded, diagonal() returns a true view (as_strided), so writes reach the input as in PyTorch.
"""
from chainrule import _C
from chainrule._C import Tensor


def _diag_length(rows, cols, offset):
    return max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal `offset` of the matrices spanned by dims dim1, dim2, appended as the last dim."""
    nd = input.ndim
    if nd < 2:
        raise RuntimeError(f"diagonal: expected a tensor of at least 2 dims, got shape {list(input.shape)}")
    d1, d2 = dim1 % nd if -nd <= dim1 < nd else None, dim2 % nd if -nd <= dim2 < nd else None
    if d1 is None or d2 is None:
        raise IndexError(f"diagonal: dims ({dim1}, {dim2}) out of range for a {nd}-d tensor")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be identical, got {dim1} and {dim2}")
    rows, cols = input.shape[d1], input.shape[d2]
    length = _diag_length(rows, cols, offset)
    start = offset if offset >= 0 else -offset
    rest = [i for i in range(nd) if i not in (d1, d2)]
    if not (input.requires_grad and _C.is_grad_enabled()):
        stride = input.stride()
        first = (offset * stride[d2] if offset >= 0 else start * stride[d1]) if length else 0
        return input.as_strided([input.shape[i] for i in rest] + [length],
                                [stride[i] for i in rest] + [stride[d1] + stride[d2]],
                                input.storage_offset() + first)
    moved = input.permute(*rest, d1, d2)
    flat = moved.reshape(*moved.shape[:-2], rows * cols)
    first = offset if offset >= 0 else start * cols
    return flat[..., first:first + (length - 1) * (cols + 1) + 1:cols + 1] if length else flat[..., :0]


def _diag_matrix(input, offset):
    """The square matrix with the 1-D input on diagonal `offset` and zeros elsewhere."""
    length, k = input.shape[0], abs(offset)
    zeros = _C.zeros(length, length, dtype=input.dtype, device=input.device)
    rows = _C.cat([input.unsqueeze(1), zeros], 1)  # row i is [x_i, 0, ..., 0]: x_i lands on (i, i)
    square = rows.reshape(length * (length + 1))[:length * length].reshape(length, length)
    if k == 0:
        return square
    n = length + k
    side = _C.zeros(length, k, dtype=input.dtype, device=input.device)
    band = _C.zeros(k, n, dtype=input.dtype, device=input.device)
    if offset > 0:
        return _C.cat([_C.cat([side, square], 1), band], 0)
    return _C.cat([band, _C.cat([square, side], 1)], 0)


_diagonal_of = diagonal  # diag's argument is named `diagonal`, as in PyTorch


def diag(input, diagonal=0):
    """A 1-D input becomes a square matrix with it on `diagonal`; a 2-D input gives its `diagonal`."""
    if input.ndim == 1:
        return _diag_matrix(input, diagonal)
    if input.ndim == 2:
        return _diagonal_of(input, diagonal).clone()
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {list(input.shape)}")


def trace(input):
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix (2-D tensor), got shape {list(input.shape)}")
    return diagonal(input).sum()


Tensor.diagonal = diagonal
Tensor.diag = diag
Tensor.trace = trace
