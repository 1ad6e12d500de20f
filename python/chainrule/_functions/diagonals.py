"""Diagonals: diag, diagonal and trace; diag_embed, diagflat, diagonal_scatter and Tensor.fill_diagonal_.

A diagonal is read by flattening the two dims and slicing with step cols + 1 (a view op chainrule
differentiates); a matrix with a given diagonal is built by reshaping rows [x_i, 0, ..., 0]. When no
gradient is recorded, diagonal() returns a true view (as_strided), so writes reach the input as in PyTorch.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.shapes import moveaxis
from chainrule.amp import cast_policy as _autocast


def _diag_length(rows, cols, offset):
    return max(0, min(rows, cols - offset) if offset >= 0 else min(rows + offset, cols))


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal `offset` of the matrices spanned by dims dim1, dim2, appended as the last dim."""
    nd = input.ndim
    if nd < 2:  # an IndexError, as PyTorch's dim wrapping raises
        raise IndexError(f"diagonal: expected a tensor of at least 2 dims, got shape {list(input.shape)}")
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
    row_stride, col_stride = moved.stride()[-2:]
    if rows > 1 and cols > 1 and row_stride != cols * col_stride and col_stride == rows * row_stride:
        # a transposed matrix (x.t(), a channels-last or permuted copy): the same diagonal of its
        # transpose, which flattens as a view, so that writes into it reach input
        return diagonal(input, -offset, d2, d1)
    flat = moved.reshape(*moved.shape[:-2], rows * cols)
    first = offset if offset >= 0 else start * cols
    return flat[..., first:first + (length - 1) * (cols + 1) + 1:cols + 1] if length else flat[..., :0]


def _diag_matrices(input, offset):
    """(..., L) -> (..., L + |offset|, L + |offset|): the last dim on diagonal `offset`, zeros elsewhere."""
    batch, length, k = list(input.shape[:-1]), input.shape[-1], abs(offset)
    zeros = _C.zeros(*batch, length, length, dtype=input.dtype, device=input.device)
    rows = _C.cat([input.unsqueeze(-1), zeros], -1)  # row i is [x_i, 0, ..., 0]: x_i lands on (i, i)
    square = rows.reshape(*batch, length * (length + 1))[..., :length * length].reshape(*batch, length, length)
    if k == 0:
        return square
    n = length + k
    side = _C.zeros(*batch, length, k, dtype=input.dtype, device=input.device)
    band = _C.zeros(*batch, k, n, dtype=input.dtype, device=input.device)
    if offset > 0:
        return _C.cat([_C.cat([side, square], -1), band], -2)
    return _C.cat([band, _C.cat([square, side], -1)], -2)


_diagonal_of = diagonal  # diag's argument is named `diagonal`, as in PyTorch


def diag(input, diagonal=0):
    """A 1-D input becomes a square matrix with it on `diagonal`; a 2-D input gives its `diagonal`."""
    if input.ndim == 1:
        return _diag_matrices(input, diagonal)
    if input.ndim == 2:
        return _diagonal_of(input, diagonal).clone()
    raise RuntimeError(f"diag: expected a 1-D or 2-D tensor, got shape {list(input.shape)}")


@_autocast.float32
def trace(input):
    """The sum of the main diagonal of a matrix."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix (2-D tensor), got shape {list(input.shape)}")
    return diagonal(input).sum()


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices with input's last dim on diagonal `offset` of the plane (dim1, dim2) of the result,
    which has one more dim than input."""
    nd = input.ndim + 1
    if not (-nd <= dim1 < nd and -nd <= dim2 < nd):
        raise IndexError(f"diag_embed: dims ({dim1}, {dim2}) out of range for a {nd}-d result")
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return moveaxis(_diag_matrices(input, offset), [-2, -1], [d1, d2])


def diagflat(input, offset=0):
    """The flattened input on diagonal `offset` of a square matrix."""
    return _diag_matrices(input.reshape(-1), offset)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """A copy of input with its diagonal (offset, dim1, dim2) replaced by src (gradients to both)."""
    out = input.clone()
    target = out.diagonal(offset, dim1, dim2)
    if tuple(target.shape) != tuple(src.shape):
        raise RuntimeError(f"diagonal_scatter: expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(target.shape)}")
    target.copy_(src)
    return out


def fill_diagonal_(self, fill_value, wrap=False):
    """Writes fill_value on the main diagonal of self (all dims equal when more than 2); wrap=True
    continues below a tall matrix every cols + 1 rows, as NumPy's fill_diagonal."""
    if self.ndim < 2:
        raise RuntimeError("dimensions must larger than 1")
    if self.ndim > 2 and len(set(self.shape)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    rows, cols = self.shape[0], self.shape[1]
    numel = self.numel()
    step = sum(cols ** i for i in range(self.ndim))  # the flat distance between (i, i, ..) and (i+1, i+1, ..)
    end = numel if wrap and self.ndim == 2 else min(rows, cols) * step
    mask = _C.zeros(numel, dtype=_C.dtype.bool, device=self.device)
    if numel:
        mask[_C.arange(0, min(end, numel), step, device=self.device)] = True
    return self.masked_fill_(mask.reshape(*self.shape), fill_value)


Tensor.diagonal = diagonal
Tensor.diag = diag
Tensor.trace = trace
Tensor.diag_embed = diag_embed
Tensor.diagflat = diagflat
Tensor.diagonal_scatter = diagonal_scatter
Tensor.fill_diagonal_ = fill_diagonal_
