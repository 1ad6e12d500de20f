"""Arithmetic on sparse COO tensors, with PyTorch's result layouts:
  sparse * number, sparse / number, -sparse        -> sparse (same positions)
  sparse * dense (same shape), dense * sparse      -> sparse (the dense values at the stored positions)
  sparse + sparse, sparse - sparse                 -> sparse (coalesced when both were)
  dense + sparse, dense - sparse                   -> dense
  sparse + dense                                   -> RuntimeError, as in PyTorch
  torch.sparse.sum(s) / s.sum()                    -> a 0-d dense tensor; with dim=, sparse while a
                                                      sparse dim is left, dense otherwise
All act on the values with differentiable dense ops.
"""
import numbers

from chainrule import _C
from chainrule.sparse._coo_tensor import SparseTensor
from chainrule._functions.promotion import result_type
from chainrule._tensor import tensor
from chainrule.sparse._index_math import wrap_dim


def _with_values(s, values, coalesced=None):
    return SparseTensor(s._indices(), values, s.shape, s.is_coalesced() if coalesced is None else coalesced)


def _is_number(x):
    return isinstance(x, numbers.Number) or (isinstance(x, _C.Tensor) and x.dim() == 0)


def _check_same_size(a, b):
    if tuple(a.shape) != tuple(b.shape):
        raise RuntimeError(f"add: expected sizes of 'self' and 'other' to match, but {list(a.shape)} != "
                           f"{list(b.shape)}")


def mul(s, other):
    if isinstance(other, SparseTensor):
        raise NotImplementedError("mul: chainrule does not multiply two sparse tensors (call to_dense() on one)")
    if _is_number(other):
        return _with_values(s, s._values() * other)
    if isinstance(other, _C.Tensor):
        _check_same_size(s, other)
        if s.dense_dim() != 0:
            raise NotImplementedError("mul: chainrule multiplies a dense tensor by a sparse one without dense dims")
        return _with_values(s, s._values() * other[tuple(s._indices())])
    return NotImplemented


def true_divide(s, other):
    if not _is_number(other):
        raise NotImplementedError("div: chainrule divides a sparse tensor by a number only")
    return _with_values(s, s._values() / other)


def add(s, other, alpha=1):
    """sparse + sparse (other * alpha); sparse + dense is PyTorch's RuntimeError."""
    if isinstance(other, _C.Tensor):
        raise RuntimeError("add(sparse, dense) is not supported. Use add(dense, sparse) instead.")
    if not isinstance(other, SparseTensor):
        return NotImplemented
    _check_same_size(s, other)
    if s.sparse_dim() != other.sparse_dim():
        raise RuntimeError("add: expected 'self' and 'other' to have the same sparse_dim")
    dtype = result_type(s._values(), other._values())
    other_values = other._values() if alpha == 1 else other._values() * alpha
    indices = _C.cat([s._indices(), other._indices()], 1)
    values = _C.cat([s._values().to(dtype), other_values.to(dtype)], 0)
    total = SparseTensor(indices, values, s.shape, False)
    return total.coalesce() if s.is_coalesced() and other.is_coalesced() else total


def dense_plus_sparse(dense, s, alpha=1):
    """dense + sparse * alpha -> dense, as PyTorch (no broadcasting)."""
    if tuple(dense.shape) != tuple(s.shape):
        raise RuntimeError(f"add: expected 'self' and 'other' to have same size, but self has size "
                           f"{list(dense.shape)} while other has size {list(s.shape)} (FYI: dense-sparse "
                           "addition does not currently support broadcasting)")
    return dense + s.to_dense() * alpha


def sparse_sum(input, dim=None, dtype=None):
    """torch.sparse.sum: every entry (a 0-d dense tensor), or over `dim` (an int or a tuple)."""
    values = input._values() if dtype is None else input._values().to(dtype)
    if dim is None:
        return values.sum()
    dims = {wrap_dim(d, input.dim()) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))}
    sparse_dim = input.sparse_dim()
    dense_dims = sorted(d - sparse_dim + 1 for d in dims if d >= sparse_dim)
    if dense_dims:
        values = values.sum(tuple(dense_dims))
    kept_sparse = [d for d in range(sparse_dim) if d not in dims]
    if not kept_sparse:
        return values.sum(0)
    kept_shape = [input.shape[d] for d in kept_sparse]
    kept_shape += [input.shape[d] for d in range(sparse_dim, input.dim()) if d not in dims]
    indices = input._indices().index_select(0, tensor(kept_sparse, device=input.device))
    return SparseTensor(indices, values, kept_shape, False).coalesce()


SparseTensor.__mul__ = SparseTensor.__rmul__ = SparseTensor.mul = mul
SparseTensor.__truediv__ = SparseTensor.div = true_divide
SparseTensor.__neg__ = SparseTensor.neg = lambda s: _with_values(s, -s._values())
SparseTensor.__add__ = add
SparseTensor.add = lambda s, other, *, alpha=1: add(s, other, alpha)
SparseTensor.__radd__ = lambda s, dense: dense_plus_sparse(dense, s) if isinstance(dense, _C.Tensor) else NotImplemented
SparseTensor.__sub__ = lambda s, other: add(s, other, -1)
SparseTensor.sub = lambda s, other, *, alpha=1: add(s, other, -alpha)
SparseTensor.__rsub__ = lambda s, dense: (dense_plus_sparse(dense, s, -1) if isinstance(dense, _C.Tensor)
                                          else NotImplemented)
SparseTensor.sum = sparse_sum
