"""SparseTensor: PyTorch's sparse COO tensor (layout torch.sparse_coo), held as two dense tensors.

A sparse tensor of shape sparse_shape + dense_shape stores `indices`, an int64 tensor of shape
(sparse_dim, nnz), and `values`, of shape (nnz,) + dense_shape: entry k puts values[k] at the position
indices[:, k]. An uncoalesced tensor may repeat a position (the values add up) and keeps any order;
coalesce() sums the repeats and sorts the positions. As in PyTorch, indices()/values() need a
coalesced tensor; _indices()/_values() return the stored ones either way.

Autograd goes through the values: every operation is composed from chainrule's differentiable dense
ops on them (index_select, index_add, indexing), so gradients reach whatever the values came from.
A sparse tensor that requires grad itself (requires_grad=True, requires_grad_()) is a leaf whose
values are a leaf; its .grad is a sparse tensor with its positions holding their gradients, as
torch.sparse.mm gives (PyTorch's torch.mm gives a dense one).

SparseTensor is not a subclass of chainrule.Tensor: a dense op that this package does not handle
raises a TypeError instead of computing on the wrong data. So isinstance(s, torch.Tensor) and
torch.is_tensor(s) are False, and a Module does not treat it as a parameter or buffer (pass the
adjacency matrix to forward, as GCN programs do). docs/sparse.md lists what works.
"""
from chainrule import _C
from chainrule._tensor import Size, tensor
from chainrule._tensor_surface import layout
from chainrule.sparse import _index_math

sparse_coo = layout("sparse_coo")


class SparseTensor:
    """A COO sparse tensor; build one with torch.sparse_coo_tensor or dense.to_sparse()."""

    def __init__(self, indices, values, shape, coalesced):
        self._index_tensor = indices
        self._value_tensor = values
        self._shape = Size(shape)
        self._coalesced = bool(coalesced)

    # ---------------------------------------------------------------- what it is
    layout = sparse_coo
    is_sparse = True
    is_sparse_csr = is_quantized = is_meta = is_mkldnn = is_nested = False

    @property
    def shape(self):
        return self._shape

    def size(self, dim=None):
        return self._shape if dim is None else self._shape[_index_math.wrap_dim(dim, len(self._shape))]

    def dim(self):
        return len(self._shape)

    ndimension = dim

    @property
    def ndim(self):
        return len(self._shape)

    def __len__(self):
        if not self._shape:
            raise TypeError("len() of a 0-d tensor")
        return self._shape[0]

    def numel(self):
        return self._shape.numel()

    nelement = numel

    def sparse_dim(self):
        return self._index_tensor.shape[0]

    def dense_dim(self):
        return self._value_tensor.dim() - 1

    def _nnz(self):
        return self._value_tensor.shape[0]

    @property
    def dtype(self):
        return self._value_tensor.dtype

    @property
    def device(self):
        return self._value_tensor.device

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def is_cpu(self):
        return self.device.type == "cpu"

    def get_device(self):
        return self._value_tensor.get_device()

    def is_floating_point(self):
        return self._value_tensor.is_floating_point()

    def is_complex(self):
        return False

    def element_size(self):
        return self._value_tensor.element_size()

    # ---------------------------------------------------------------- its data
    def _indices(self):
        return self._index_tensor

    def _values(self):
        return self._value_tensor

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call .coalesce() first")
        return self._index_tensor

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call .coalesce() first")
        return self._value_tensor

    def is_coalesced(self):
        return self._coalesced

    def _coalesced_(self, coalesced):
        """Marks the tensor coalesced or not without checking, as PyTorch's _coalesced_."""
        self._coalesced = bool(coalesced)
        return self

    def coalesce(self):
        """The same tensor with repeated positions summed and positions in row-major order."""
        if self._coalesced:
            return self
        indices, values = _index_math.sum_repeated_positions(self._index_tensor, self._value_tensor,
                                                             self._shape[:self.sparse_dim()])
        return SparseTensor(indices, values, self._shape, True)

    def to_dense(self, dtype=None, *, masked_grad=None):
        dense = _index_math.scatter_to_dense(self._index_tensor, self._value_tensor, self._shape)
        return dense if dtype is None else dense.to(dtype)

    def to_sparse(self, sparse_dim=None, *, layout=None, blocksize=None, dense_dim=None):
        if layout not in (None, sparse_coo) or blocksize is not None or dense_dim is not None:
            raise NotImplementedError("to_sparse: chainrule has the sparse COO layout only")
        if sparse_dim is not None and sparse_dim != self.sparse_dim():
            raise RuntimeError(f"to_sparse: conversion from sparse_dim {self.sparse_dim()} to sparse_dim "
                               f"{sparse_dim} is not supported")
        return self

    to_sparse_coo = to_sparse

    # ---------------------------------------------------------------- autograd
    @property
    def requires_grad(self):
        return self._value_tensor.requires_grad

    @requires_grad.setter
    def requires_grad(self, flag):
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad=True):
        self._value_tensor.requires_grad_(requires_grad)
        return self

    @property
    def is_leaf(self):
        return self._value_tensor.is_leaf

    @property
    def grad_fn(self):
        return self._value_tensor.grad_fn

    @property
    def grad(self):
        """The leaf's gradient: sparse, one entry per position (an uncoalesced leaf's repeats of a position
        have the same gradient, the dense one there, which PyTorch stores once)."""
        grad = self._value_tensor.grad
        if grad is None:
            return None
        if self._coalesced:
            return SparseTensor(self._index_tensor, grad, self._shape, True)
        summed = SparseTensor(self._index_tensor, grad, self._shape, False).coalesce()
        repeats = SparseTensor(self._index_tensor, _C.ones_like(grad), self._shape, False).coalesce()
        return SparseTensor(summed._indices(), summed._values() / repeats._values(), self._shape, True)

    @grad.setter
    def grad(self, grad):
        if grad is not None:
            raise RuntimeError("a sparse tensor's grad can only be set to None in chainrule")
        self._value_tensor.grad = None

    def detach(self):
        return SparseTensor(self._index_tensor, self._value_tensor.detach(), self._shape, self._coalesced)

    def clone(self, *, memory_format=None):
        return SparseTensor(self._index_tensor.clone(), self._value_tensor.clone(), self._shape, self._coalesced)

    # ---------------------------------------------------------------- moving and casting
    def to(self, *args, **kwargs):
        """As Tensor.to: a device, a dtype, both, or another tensor's; self when nothing changes."""
        if args and isinstance(args[0], SparseTensor):
            args = (args[0].device, args[0].dtype) + args[1:]
        values = self._value_tensor.to(*args, **kwargs)
        if values is self._value_tensor:
            return self
        indices = self._index_tensor.to(values.device)
        return SparseTensor(indices, values, self._shape, self._coalesced)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        return self.to("cuda" if device is None else device)

    def float(self):
        return self.to(_C.dtype.float32)

    def double(self):
        return self.to(_C.dtype.float64)

    def long(self):
        return self.to(_C.dtype.int64)

    def type_as(self, other):
        return self.to(other.dtype)

    # ---------------------------------------------------------------- rearranging
    def transpose(self, dim0, dim1):
        """Swaps two sparse dims (the result is not coalesced, as in PyTorch)."""
        sparse_dim = self.sparse_dim()
        dim0, dim1 = (_index_math.wrap_dim(d, self.dim()) for d in (dim0, dim1))
        if dim0 >= sparse_dim or dim1 >= sparse_dim:
            raise RuntimeError("transpose: chainrule's sparse tensors transpose sparse dims only")
        order = list(range(sparse_dim))
        order[dim0], order[dim1] = order[dim1], order[dim0]
        shape = list(self._shape)
        shape[dim0], shape[dim1] = shape[dim1], shape[dim0]
        indices = self._index_tensor.index_select(0, tensor(order, device=self.device))
        return SparseTensor(indices, self._value_tensor, shape, self._coalesced and dim0 == dim1)

    def t(self):
        if self.dim() > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.dim()}D")
        return self if self.dim() < 2 else self.transpose(0, 1)

    @property
    def T(self):
        return self.t()

    # ---------------------------------------------------------------- printing and saving
    def __repr__(self):
        from chainrule.sparse._printing import sparse_repr
        return sparse_repr(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_sparse_tensor, (sparse_coo, (self._index_tensor, self._value_tensor.detach(), self._shape,
                                                      self._coalesced)))

    def __deepcopy__(self, memo):
        copied = self.clone() if not self.requires_grad else self.detach().clone().requires_grad_()
        memo[id(self)] = copied
        return copied

    def __getattr__(self, name):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise AttributeError(f"chainrule's sparse COO tensor has no '{name}': docs/sparse.md in the chainrule "
                             "repository lists what sparse tensors support (to_dense() gives a dense tensor)")


def _rebuild_sparse_tensor(layout, data):
    """Rebuilds a pickled sparse tensor (PyTorch's torch._utils._rebuild_sparse_tensor arguments)."""
    indices, values, shape, coalesced = data
    return SparseTensor(indices, values, shape, coalesced)


def layout_named(name):
    """The layout PyTorch pickles by name (torch.serialization._get_layout("torch.sparse_coo"))."""
    from chainrule._tensor_surface import strided
    layouts = {"torch.sparse_coo": sparse_coo, "torch.strided": strided}
    if name not in layouts:
        raise RuntimeError(f"load: chainrule has no layout {name} (it has torch.strided and torch.sparse_coo)")
    return layouts[name]
