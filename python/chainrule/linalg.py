"""chainrule.linalg, as torch.linalg: the norms (vector_norm, matrix_norm, norm, cond) and the
products (multi_dot, vecdot, cross, diagonal, matrix_power, vander, matmul) composed here from differentiable ops;
the solvers and factorizations, computed on the host, come from _functions/linalg_solvers.py and
_functions/linalg_factorizations.py.
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dim_wrap import wrap_dim
from chainrule._functions.linalg_host import LinAlgError
from chainrule._functions.linalg_solvers import (
    cholesky, cholesky_ex, det, inv, inv_ex, ldl_factor, ldl_factor_ex, ldl_solve, slogdet, solve, solve_ex,
    solve_triangular, tensorinv, tensorsolve)
from chainrule._functions.linalg_factorizations import (
    eigh, eigvalsh, householder_product, lstsq, lu, lu_factor, lu_factor_ex, lu_solve, matrix_exp, matrix_rank,
    pinv, qr, svd, svdvals)
from chainrule._functions import products as _products
from chainrule._functions.matrix_products import matrix_power
from chainrule.amp import cast_policy as _autocast

__all__ = ["vector_norm", "matrix_norm", "norm", "cond", "multi_dot", "vecdot", "cross", "diagonal", "matrix_power",
           "vander", "matmul", "LinAlgError", "cholesky", "cholesky_ex", "det", "inv", "inv_ex", "slogdet", "solve",
           "solve_ex", "solve_triangular", "tensorinv", "tensorsolve", "eigh", "eigvalsh", "householder_product",
           "lstsq", "lu", "lu_factor", "lu_factor_ex", "lu_solve", "matrix_exp", "matrix_rank", "pinv", "qr", "svd",
           "svdvals", "ldl_factor", "ldl_factor_ex", "ldl_solve"]


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise RuntimeError(f"linalg.{op}: expected a floating input tensor, but got {x.dtype}")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x as a vector: over all elements (dim=None) or over dim (an int or a tuple)."""
    _check("vector_norm", x)
    if isinstance(ord, str):
        raise TypeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return x.norm(ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The ord-norm of the matrices in dims `dim` of A: 'fro' (Frobenius), 'nuc' (sum of singular
    values), 2 / -2 (largest / smallest singular value), 1 / -1 (largest / smallest column sum of
    |A|), inf / -inf (largest / smallest row sum)."""
    _check("matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
                           f"{list(A.shape)}")
    if dtype is not None:
        A = A.to(dtype)
    rows, cols = (wrap_dim(d, A.ndim) for d in dim)
    if ord == "fro":
        return A.norm(2, dim=(rows, cols), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        return _singular_value_norm(A, ord, rows, cols, keepdim)
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    summed, reduced = (rows, cols) if abs(ord) == 1 else (cols, rows)  # sum |A| down columns for ord 1
    sums = A.abs().sum(summed, keepdim=True)
    out = sums.amax(reduced, keepdim=True) if ord > 0 else sums.amin(reduced, keepdim=True)
    return out if keepdim else out.squeeze(max(rows, cols)).squeeze(min(rows, cols))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """vector_norm or matrix_norm by the shape of dim (or of A when dim is None): ord=None is the 2-norm
    of a vector and the Frobenius norm of a matrix; with both None, the 2-norm of all elements."""
    _check("norm", A)
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        if dim is not None and len(dim) == 2:
            return matrix_norm(A, "fro", dim, keepdim, dtype=dtype)
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def _singular_value_norm(A, ord, rows, cols, keepdim):
    """'nuc', 2 or -2 of the matrices in dims (rows, cols) of A, from their singular values."""
    values = svdvals(A.movedim((rows, cols), (-2, -1)))
    out = values.sum(-1) if ord == "nuc" else values.amax(-1) if ord == 2 else values.amin(-1)
    if keepdim:
        out = out.unsqueeze(min(rows, cols)).unsqueeze(max(rows, cols))
    return out


@_autocast.float32
def cond(A, p=None, *, out=None):
    """The condition number of each matrix of A in norm p: largest / smallest singular value for
    p = None or 2 (smallest / largest for -2); norm(A, p) * norm(inv(A), p) for the other norms."""
    _check("cond", A)
    if p in (None, 2, -2):
        values = svdvals(A)
        largest, smallest = values.amax(-1), values.amin(-1)
        return largest / smallest if p != -2 else smallest / largest
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"linalg.cond(ord={p}): A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def multi_dot(tensors, *, out=None):
    """The product of the matrices in order; the first may be a row vector and the last a column vector
    (1-D), and those dims are dropped from the result."""
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first_vector, last_vector = tensors[0].ndim == 1, tensors[-1].ndim == 1
    matrices = list(tensors)
    if first_vector:
        matrices[0] = matrices[0].unsqueeze(0)
    if last_vector:
        matrices[-1] = matrices[-1].unsqueeze(-1)
    for i, t in enumerate(matrices):
        if t.ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    result = matrices[0]
    for t in matrices[1:]:
        result = _C.matmul(result, t)
    if last_vector:
        result = result.squeeze(-1)
    return result.squeeze(0) if first_vector else result


@_autocast.lower_precision
def vecdot(x, y, *, dim=-1, out=None):
    """The dot products of x and y along dim (broadcast)."""
    return (x * y).sum(dim)


def cross(input, other, *, dim=-1, out=None):
    """The cross products of the 3-vectors along dim (broadcast): torch.cross with dim=-1 by default."""
    return _products.cross(input, other, dim)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The offset diagonal of the matrices in dims (dim1, dim2) of A, as a view."""
    return A.diagonal(offset, dim1, dim2)


def vander(x, *, N=None):
    """The Vandermonde matrices of the vectors in x's last dim: columns x^0, x^1, ..., x^(N-1)."""
    N = (x.shape[-1] if x.ndim else 1) if N is None else N  # a 0-d x counts as one value, as in PyTorch
    if N <= 1:
        raise RuntimeError("N must be greater than 1.")
    repeated = x.unsqueeze(-1).expand(*x.shape, N - 1)
    return _C.cat([_C.ones_like(x).unsqueeze(-1), repeated.cumprod(-1)], -1)


matmul = _C.matmul
