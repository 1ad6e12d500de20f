"""Tensor.untyped_storage() and Tensor.storage(): views of the memory behind a tensor, as
PyTorch's UntypedStorage and (deprecated) TypedStorage present it, for the programs that look at
it: which tensors share memory (storage().data_ptr()), how big it is (nbytes(), size(), len()) and
what it holds (tolist(), over the whole storage, not just the tensor's view). A TypedStorage also reads
and writes single elements (storage[i], storage[i] = v, storage[a:b] = v, fill_), and the writes show in
every tensor viewing that memory, as in PyTorch (Deep Learning with PyTorch, ch. 3).

    b = a[2:]                       # a view: same storage, offset 2
    a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()   # True
"""
import warnings

from chainrule import _C
from chainrule._C import Tensor


class UntypedStorage:
    """The bytes behind a tensor (and every view of them)."""

    def __init__(self, tensor):
        self._tensor = tensor  # keeps the memory alive

    def data_ptr(self):
        return self._tensor._storage_data_ptr()

    def nbytes(self):
        return self._tensor._storage_nbytes()

    def size(self):
        return self.nbytes()

    def __len__(self):
        return self.nbytes()

    def element_size(self):
        return 1

    @property
    def device(self):
        return self._tensor.device

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def is_shared(self):
        return self._tensor.is_shared()

    def tolist(self):
        return _whole(self._tensor).detach().cpu().numpy().view("uint8").tolist()

    def __repr__(self):
        body = "\n".join(f" {b}" for b in self.tolist())
        return f"{body}\n[chainrule.storage.UntypedStorage(device={self.device}) of size {len(self)}]"


class TypedStorage(UntypedStorage):
    """The elements behind a tensor, in its dtype (PyTorch deprecates this form for UntypedStorage)."""

    @property
    def dtype(self):
        return self._tensor.dtype

    def size(self):
        return self.nbytes() // self._tensor.element_size()

    def __len__(self):
        return self.size()

    def element_size(self):
        return self._tensor.element_size()

    def untyped(self):
        return UntypedStorage(self._tensor)

    def tolist(self):
        return _whole(self._tensor).tolist()

    def __iter__(self):
        return iter(self.tolist())

    def __getitem__(self, index):
        if isinstance(index, slice):
            raise RuntimeError("slices are only supported in UntypedStorage.__getitem__")
        return _whole(self._tensor)[self._checked(index)].item()

    def __setitem__(self, index, value):
        _whole(self._tensor)[index if isinstance(index, slice) else self._checked(index)] = value

    def fill_(self, value):
        _whole(self._tensor).fill_(value)
        return self

    def _checked(self, index):
        """index as an element position, refused as PyTorch refuses it (only Python ints, in range)."""
        if not isinstance(index, int):
            raise RuntimeError(f"can't index a {type(self)} with {type(index)}")
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for storage of size {len(self)}")
        return index

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        return f"{body}\n[chainrule.storage.TypedStorage(dtype={self.dtype}, device={self.device}) of size {len(self)}]"


def _whole(tensor):
    """A 1-D view of every element of tensor's storage, in its dtype."""
    count = tensor._storage_nbytes() // tensor.element_size()
    return tensor.detach().as_strided((count,), (1,), 0)


def _untyped_storage(self):
    return UntypedStorage(self)


_typed_storage_warned = False


def _storage(self):
    global _typed_storage_warned
    if not _typed_storage_warned:  # once per process, as PyTorch warns
        _typed_storage_warned = True
        warnings.warn("TypedStorage is deprecated. It will be removed in the future and UntypedStorage will be the "
                      "only storage class. This should only matter to you if you are using storages directly.  To "
                      "access UntypedStorage directly, use tensor.untyped_storage() instead of tensor.storage()",
                      UserWarning, stacklevel=2)
    return TypedStorage(self)


Tensor.untyped_storage = _untyped_storage
Tensor.storage = _storage
