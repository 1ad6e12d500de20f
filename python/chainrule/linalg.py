"""chainrule.linalg: the norms of torch.linalg (vector_norm, matrix_norm, norm), composed from
Tensor.norm, abs, sum and amax/amin, so they are differentiable.

matrix_norm supports ord 'fro', 1, -1, inf and -inf; 'nuc', 2 and -2 need singular values, which
chainrule does not compute, and raise NotImplementedError.
"""
import math

from chainrule._C import Tensor

__all__ = ["vector_norm", "matrix_norm", "norm"]


def _check(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"linalg.{op}(): argument 'input' must be a Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise RuntimeError(f"linalg.{op}: expected a floating input tensor, but got {x.dtype}")


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """The ord-norm of x as a vector: over all elements (dim=None) or over dim (an int or a tuple)."""
    _check("vector_norm", x)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}")
    return x.norm(ord, dim=dim, keepdim=keepdim, dtype=dtype)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):
    """The ord-norm of the matrices in dims `dim` of A: 'fro' (Frobenius), 1 / -1 (largest / smallest
    column sum of |A|), inf / -inf (largest / smallest row sum)."""
    _check("matrix_norm", A)
    if A.ndim < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape "
                           f"{list(A.shape)}")
    if dtype is not None:
        A = A.to(dtype)
    rows, cols = (d % A.ndim for d in dim)
    if ord == "fro":
        return A.norm(2, dim=(rows, cols), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        raise NotImplementedError(f"linalg.matrix_norm: ord={ord!r} needs singular values, which chainrule does "
                                  "not compute; 'fro', 1, -1, inf and -inf are supported")
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
