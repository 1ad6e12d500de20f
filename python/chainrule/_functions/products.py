"""Products and distances composed from mul, matmul and views: cross, kron, tensordot, inner, vdot,
cartesian_prod, block_diag and dist, with their Tensor methods.

tensordot moves the contracted dims last (first for `other`) and does one matmul, so its gradient
is matmul's; cross is a_{i+1} b_{i+2} - a_{i+2} b_{i+1} written with roll along the dim.
"""
import functools
import math
import warnings

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.promotion import promote_types
from chainrule._functions.shapes import broadcast_shapes, meshgrid


def cross(input, other, dim=None):
    """The cross product of 3-vectors along `dim` (inputs broadcast; same number of dims). Without dim,
    the first dim of size 3, with PyTorch's deprecation warning."""
    if input.ndim != other.ndim:
        raise RuntimeError(f"linalg.cross: inputs must have the same number of dimensions, got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    shape = tuple(broadcast_shapes(input.shape, other.shape))
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                      "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change "
                      "to agree with that of linalg.cross in a future release.", UserWarning, stacklevel=2)
        dim = next((d for d, size in enumerate(shape) if size == 3), None)
        if dim is None:
            raise RuntimeError(f"cross: no dimension of size 3 in input (shape {list(shape)})")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"cross: dim {dim} out of range for a tensor of {len(shape)} dimensions")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} "
                           f"and {other.shape[dim]}")
    a, b = input.expand(*shape), other.expand(*shape)
    return a.roll(-1, dim) * b.roll(-2, dim) - a.roll(-2, dim) * b.roll(-1, dim)


def kron(input, other):
    """The Kronecker product: block (i, j, ...) is input[i, j, ...] * other."""
    ndim = max(input.ndim, other.ndim)
    a_shape = [1] * (ndim - input.ndim) + list(input.shape)
    b_shape = [1] * (ndim - other.ndim) + list(other.shape)
    interleaved_a = [n for size in a_shape for n in (size, 1)]
    interleaved_b = [n for size in b_shape for n in (1, size)]
    product = input.reshape(*interleaved_a) * other.reshape(*interleaved_b)
    return product.reshape(*[p * q for p, q in zip(a_shape, b_shape)])


def _contracted_dims(dims, a, b):
    if isinstance(dims, Tensor):
        dims = dims.item() if dims.numel() == 1 else dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    dims_a, dims_b = dims
    dims_a = [dims_a] if isinstance(dims_a, int) else list(dims_a)
    dims_b = [dims_b] if isinstance(dims_b, int) else list(dims_b)
    if len(dims_a) != len(dims_b):
        raise RuntimeError(f"both dimension lists should have same length, got {dims_a} and {dims_b}")
    return [wrap_dim(d, a.ndim) for d in dims_a], [wrap_dim(d, b.ndim) for d in dims_b]


def _numel(t, dims):
    return math.prod(t.shape[d] for d in dims)


def tensordot(a, b, dims=2):
    """Sums a * b over the dims `dims` names: an int (a's last `dims` with b's first), or two lists.
    (chainrule.tensordot takes out= too: _functions/out_argument.py.)"""
    dims_a, dims_b = _contracted_dims(dims, a, b)
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim "
                               f"{da} and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    # (prod free_a, prod contracted) @ (prod contracted, prod free_b), sizes given so that zeros work
    rows = a.permute(*free_a, *dims_a).reshape(_numel(a, free_a), _numel(a, dims_a))
    cols = b.permute(*dims_b, *free_b).reshape(_numel(b, dims_b), _numel(b, free_b))
    shape = [a.shape[d] for d in free_a] + [b.shape[d] for d in free_b]
    return _C.matmul(rows, cols).reshape(*shape)


def inner(input, other):
    """Sums over the last dims of both (input * other when either is 0-d); the result has shape
    input.shape[:-1] + other.shape[:-1]."""
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, dims=([-1], [-1]))


def vdot(input, other):
    """The dot product of two 1-D tensors (no conjugation needed: chainrule has no complex dtypes)."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    return _C.dot(input, other)


def cartesian_prod(*tensors):
    """Every combination of the 1-D tensors' elements, one per row (a single tensor comes back as is)."""
    for t in tensors:
        if t.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return _C.stack([grid.reshape(-1) for grid in meshgrid(*tensors, indexing="ij")], dim=1)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-D, as 1 x 1, 1 x n, m x n blocks) along the diagonal of a zero matrix,
    in their promoted dtype."""
    blocks = []
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
        blocks.append(t.reshape(1, -1) if t.ndim < 2 else t)
    if not blocks:
        return _C.zeros(1, 0)
    dtype = functools.reduce(promote_types, (b.dtype for b in blocks))
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        m, n = b.shape
        rows.append(_C.cat([_C.zeros(m, left, dtype=dtype, device=b.device), b.to(dtype),
                            _C.zeros(m, width - left - n, dtype=dtype, device=b.device)], dim=1))
        left += n
    return _C.cat(rows, dim=0)


def dist(input, other, p=2):
    """The p-norm of input - other (broadcast)."""
    return (input - other).norm(p)


for _fn in (cross, kron, inner, vdot, dist):
    setattr(Tensor, _fn.__name__, _fn)
