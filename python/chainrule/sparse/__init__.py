"""torch.sparse: sparse COO tensors, enough for graph neural network programs (pygcn, pytorch/examples
gcn and gat, pyGAT's sparse layer). See docs/sparse.md.

The package is one idea a file:
  _coo_tensor.py  the SparseTensor class (indices + values + size, coalesced or not)
  _index_math.py  flat positions, summing repeats (coalesce) and scattering into a dense tensor
  _construct.py   sparse_coo_tensor, dense.to_sparse(), torch.sparse.FloatTensor & co.
  _products.py    sparse x dense products (torch.sparse.mm, spmm, mm, matmul, @)
  _arithmetic.py  *, /, +, -, sum
  _printing.py    repr in PyTorch's layout
  _tensor_hooks.py what the dense Tensor and the torch namespace gain (to_sparse, torch.mm with a
                   sparse operand, ...)
"""
from chainrule import _C
from chainrule.sparse._coo_tensor import SparseTensor, sparse_coo  # noqa: F401 -- sparse_coo for the pickler
from chainrule.sparse._construct import LegacySparseConstructor
from chainrule.sparse._products import mm
from chainrule.sparse._arithmetic import sparse_sum as sum  # noqa: A001 -- torch.sparse.sum
from chainrule.sparse import _tensor_hooks  # noqa: F401

__all__ = ["SparseTensor", "mm", "addmm", "sum", "FloatTensor", "DoubleTensor", "LongTensor"]

FloatTensor = LegacySparseConstructor("FloatTensor", _C.dtype.float32)
DoubleTensor = LegacySparseConstructor("DoubleTensor", _C.dtype.float64)
LongTensor = LegacySparseConstructor("LongTensor", _C.dtype.int64)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """torch.sparse.addmm: beta * mat + alpha * (mat1 @ mat2), mat1 sparse, mat and mat2 dense."""
    return mat * beta + mm(mat1, mat2) * alpha


from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402

__getattr__ = _missing_attribute_hook(__name__, "torch.sparse")
