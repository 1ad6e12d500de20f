"""Sparse x dense matrix products: torch.sparse.mm, torch.spmm, and torch.mm / torch.matmul / `@` with a
sparse operand, all giving a dense result as PyTorch does.

sparse (n, m) @ dense (m, k): each stored entry (r, c, v) adds v * dense[c] to row r of the result,
    out = zeros(n, k).index_add(0, rows, values[:, None] * dense.index_select(0, cols))
which is made of differentiable ops, so backward gives the dense operand's gradient
(sparse^T @ grad) and each value's gradient (grad[r] . dense[c]) through the existing engine.
dense @ sparse is (sparse^T @ dense^T)^T.
"""
from chainrule import _C
from chainrule._functions.dtypes import scalar_type_name
from chainrule.sparse._coo_tensor import SparseTensor


def _check_operands(sparse, dense):
    if not isinstance(dense, _C.Tensor):
        raise TypeError(f"mm: expected a dense Tensor beside the sparse one, got {type(dense).__name__}")
    if sparse.sparse_dim() != 2 or sparse.dense_dim() != 0:
        raise RuntimeError(f"mm: the sparse operand must be a 2-d matrix with 2 sparse dims, got sparse_dim "
                           f"{sparse.sparse_dim()} and dense_dim {sparse.dense_dim()}")
    if dense.dim() != 2:
        if dense.dim() < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
        raise RuntimeError(f"mm: expected a 2-d dense matrix, got {dense.dim()}-d")
    if dense.dtype != sparse.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(sparse.dtype)} but found {scalar_type_name(dense.dtype)}")
    if dense.shape[0] != sparse.shape[1]:
        raise RuntimeError(f"addmm: Argument #3 (dense): Expected dim 0 size {sparse.shape[1]}, got {dense.shape[0]}")


def sparse_dense_mm(sparse, dense):
    """sparse (n, m) @ dense (m, k) -> dense (n, k), differentiable in both."""
    _check_operands(sparse, dense)
    rows, cols = sparse._indices()[0], sparse._indices()[1]
    contributions = sparse._values().unsqueeze(1) * dense.index_select(0, cols)
    return dense.new_zeros((sparse.shape[0], dense.shape[1])).index_add(0, rows, contributions)


def dense_sparse_mm(dense, sparse):
    """dense (k, n) @ sparse (n, m) -> dense (k, m)."""
    if not isinstance(dense, _C.Tensor) or dense.dim() != 2:
        raise RuntimeError("mm: expected a 2-d dense matrix before the sparse one")
    if dense.shape[1] != sparse.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({dense.shape[0]}x{dense.shape[1]} and "
                           f"{sparse.shape[0]}x{sparse.shape[1]})")
    return sparse_dense_mm(sparse.t(), dense.t()).t()


def mm(mat1, mat2):
    """torch.sparse.mm / torch.spmm: a sparse matrix times a dense one (or dense times sparse)."""
    if isinstance(mat1, SparseTensor):
        if isinstance(mat2, SparseTensor):
            raise NotImplementedError("mm: chainrule multiplies a sparse matrix by a dense one, not two sparse ones "
                                      "(call to_dense() on one of them)")
        return sparse_dense_mm(mat1, mat2)
    if isinstance(mat2, SparseTensor):
        return dense_sparse_mm(mat1, mat2)
    return _C.mm(mat1, mat2)


def matmul(input, other):
    """torch.matmul with a sparse matrix: a dense vector on the right is a one-column matrix."""
    if isinstance(input, SparseTensor) and isinstance(other, _C.Tensor) and other.dim() == 1:
        return sparse_dense_mm(input, other.unsqueeze(1)).squeeze(1)
    return mm(input, other)


def with_sparse_operands(dense_function, sparse_function):
    """dense_function(a, b), or sparse_function(a, b) when either is sparse (torch.mm and torch.matmul).
    The check costs a Python call, about 0.4 us on this project's 2-core machine (a 2x2 mm takes 1 us);
    exact type tests are the cheapest form of it."""
    def function(input, other):
        if type(input) is SparseTensor or type(other) is SparseTensor:
            return sparse_function(input, other)
        return dense_function(input, other)

    function.__name__ = function.__qualname__ = dense_function.__name__
    function.__doc__ = dense_function.__doc__
    return function


SparseTensor.mm = mm
SparseTensor.matmul = SparseTensor.__matmul__ = matmul
SparseTensor.__rmatmul__ = lambda self, other: matmul(other, self)
