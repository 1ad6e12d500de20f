"""Making sparse COO tensors: torch.sparse_coo_tensor, dense.to_sparse() and the legacy constructors
torch.sparse.FloatTensor(indices, values, size) & co. (deprecated in PyTorch, still used by pygcn)."""
import warnings

import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule.sparse._coo_tensor import SparseTensor, sparse_coo


def _as_tensor(data, dtype=None):
    if isinstance(data, Tensor):
        return data if dtype is None else data.to(dtype)
    import chainrule
    return chainrule.as_tensor(np.ascontiguousarray(data) if isinstance(data, np.ndarray) else data, dtype=dtype)


def _inferred_size(indices, values):
    """PyTorch's size when none is given: one past the largest index of each sparse dim (0 when there
    are no entries), then the values' dense dims."""
    if indices.shape[1] == 0:
        sparse_size = [0] * indices.shape[0]
    else:
        sparse_size = [int(m) + 1 for m in indices.amax(1).tolist()]
    return tuple(sparse_size) + tuple(values.shape[1:])


def _check_shapes(indices, values, size):
    if indices.dim() != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(indices.shape)}")
    if indices.shape[1] != values.shape[0]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: {indices.shape[1]}, "
                           f"nnz from values: {values.shape[0]}")
    sparse_dim, dense_dim = indices.shape[0], values.dim() - 1
    if len(size) != sparse_dim + dense_dim:
        raise RuntimeError(f"'len(size) == sparse_dim + dense_dim' is not satisfied: len(size) = {len(size)}, "
                           f"sparse_dim = {sparse_dim}, dense_dim = {dense_dim}")
    if tuple(values.shape[1:]) != tuple(size[sparse_dim:]):
        raise RuntimeError(f"values has incorrect size, expected {[values.shape[0]] + list(size[sparse_dim:])}, "
                           f"got {list(values.shape)}")


def _check_indices_in_range(indices, size):
    """check_invariants=True: every index in [0, size) (PyTorch checks only when asked)."""
    if indices.shape[1] == 0:
        return
    for dim, (low, high) in enumerate(zip(indices.amin(1).tolist(), indices.amax(1).tolist())):
        if low < 0:
            raise RuntimeError(f"found negative index {low} for dim {dim}")
        if high >= size[dim]:
            raise RuntimeError(f"size is inconsistent with indices: for dim {dim}, size is {size[dim]} "
                               f"but found index {high}")


def sparse_coo_tensor(indices=None, values=None, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """As torch.sparse_coo_tensor: `indices` (sparse_dim, nnz) and `values` (nnz, *dense_shape), any array
    like; size inferred when left out. The values keep their autograd history unless requires_grad=True
    makes a new leaf. The result counts as uncoalesced unless is_coalesced=True says otherwise."""
    if indices is None:
        if size is None:
            raise TypeError("sparse_coo_tensor() missing required argument 'indices' (or 'size')")
        return sparse_zeros(size, dtype=dtype, device=device, requires_grad=requires_grad)
    if values is None:
        raise TypeError("sparse_coo_tensor() missing required argument 'values'")
    values = _as_tensor(values, dtype)
    indices = _as_tensor(indices).to(_C.dtype.int64)
    if device is not None:
        values, indices = values.to(device), indices.to(device)
    elif indices.device != values.device:
        indices = indices.to(values.device)
    if values.dim() == 0:
        raise RuntimeError("values must have at least one dimension (nnz, *dense_shape)")
    size = _inferred_size(indices, values) if size is None else tuple(size)
    _check_shapes(indices, values, size)
    if check_invariants:
        _check_indices_in_range(indices, size)
    if requires_grad:
        values = values.detach().requires_grad_()
    return SparseTensor(indices, values, size, bool(is_coalesced))


def sparse_zeros(size, dtype=None, device=None, requires_grad=False, sparse_dim=None):
    """An all-zero sparse tensor (no entries) of `size`, every dim sparse unless sparse_dim says."""
    sparse_dim = len(size) if sparse_dim is None else sparse_dim
    values = _C.zeros((0,) + tuple(size[sparse_dim:]), dtype=dtype, device=device)
    indices = _C.zeros(sparse_dim, 0, dtype=_C.dtype.int64, device=values.device)
    return SparseTensor(indices, values.requires_grad_(requires_grad), size, True)


def dense_to_sparse(dense, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
    """Tensor.to_sparse(): the non-zero entries of `dense` (rows of its first sparse_dim dims holding a
    non-zero, for a hybrid tensor), coalesced. Differentiable: the values are indexed from `dense`."""
    if layout not in (None, sparse_coo) or blocksize is not None or dense_dim is not None:
        raise NotImplementedError("to_sparse: chainrule has the sparse COO layout only")
    sparse_dim = dense.dim() if sparse_dim is None else sparse_dim
    if not 0 < sparse_dim <= dense.dim():
        raise RuntimeError(f"sparse_dim must be in [1, {dense.dim()}] for a {dense.dim()}-d tensor, got {sparse_dim}")
    nonzero = dense != 0
    if sparse_dim < dense.dim():
        nonzero = nonzero.reshape(tuple(dense.shape[:sparse_dim]) + (-1,)).any(-1)
    indices = nonzero.nonzero().t().contiguous()
    return SparseTensor(indices, dense[tuple(indices)], dense.shape, True)


class LegacySparseConstructor:
    """torch.sparse.FloatTensor & co.: (indices, values[, size]) or a size, with PyTorch's deprecation
    warning; the values are converted to the constructor's dtype."""

    def __init__(self, name, dtype):
        self.__name__ = self.__qualname__ = name
        self._dtype = dtype

    def __call__(self, *args, device=None):
        warnings.warn("torch.sparse.SparseTensor(indices, values, shape, *, device=) is deprecated.  Please use "
                      "torch.sparse_coo_tensor(indices, values, shape, dtype=, device=).", UserWarning, stacklevel=2)
        if args and isinstance(args[0], Tensor):
            indices, values, *size = args
            return sparse_coo_tensor(indices, values, size[0] if size else None, dtype=self._dtype, device=device)
        size = args[0] if len(args) == 1 and isinstance(args[0], (tuple, list)) else args
        return sparse_zeros(tuple(size), dtype=self._dtype, device=device)

    def __repr__(self):
        return f"<class 'torch.sparse.{self.__name__}'>"
