"""What the dense Tensor and the torch namespace gain from sparse tensors:

  Tensor.to_sparse() / to_sparse_coo()   dense -> sparse COO (differentiable)
  Tensor.to_dense()                      the tensor itself, as PyTorch's on a dense tensor
  Tensor.layout                          torch.strided
  dense @ sparse, dense + sparse, dense - sparse, dense * sparse
                                         by Python's reflected operators: the bound dense operators
                                         return NotImplemented for a SparseTensor
  torch.sparse_coo_tensor, torch.sparse_coo, torch.spmm
  torch.mm, torch.matmul                 the bound functions behind a check for a sparse operand
                                         (about 0.4 us more per call)
chainrule/__init__.py imports the torch-level names from here.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._tensor_surface import strided
from chainrule.sparse import _products
from chainrule.sparse._construct import dense_to_sparse, sparse_coo_tensor  # noqa: F401 -- torch-level
from chainrule.sparse._coo_tensor import sparse_coo  # noqa: F401 -- torch-level

spmm = _products.mm
mm = _products.with_sparse_operands(_C.mm, _products.mm)
matmul = _products.with_sparse_operands(_C.matmul, _products.matmul)

Tensor.to_sparse = Tensor.to_sparse_coo = dense_to_sparse
Tensor.to_dense = lambda self, dtype=None, *, masked_grad=None: self if dtype is None else self.to(dtype)
Tensor.layout = property(lambda self: strided)
