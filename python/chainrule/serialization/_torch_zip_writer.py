"""Writes PyTorch's zip checkpoint format (what torch.save writes and torch.load reads) without torch.

The pickle (protocol 2, as torch.save) names tensors, sizes, devices and dtypes the way PyTorch does:
`torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, OrderedDict())`, and
parameters as `torch._utils._rebuild_parameter(tensor, requires_grad, OrderedDict())`; each storage is
a persistent id ('storage', torch.FloatStorage, key, location, numel) whose bytes go into the record
`archive/data/<key>`, 64-byte aligned in the file. Those are globals that torch.load(weights_only=True)
accepts. The torch names are written as GLOBAL opcodes by `_TorchPickler` (Python's pure-Python
pickler, which lets a stand-in object emit a name); nothing imports torch. Views of one storage share
one record, so torch.load gives them back as views of one storage. chainrule's own classes and functions
(a whole model's layers) are written under PyTorch's names (_torch_names).
"""
import collections
import io
import pickle
import types
import zipfile

from chainrule import _C
from chainrule._C import Tensor
from chainrule.serialization import _torch_names
from chainrule.serialization._dtypes import STORAGE_OF_NATIVE, bytes_array

__all__ = ["torch_zip_bytes"]

_ARCHIVE = "archive"
_ALIGNMENT = 64


class _Global:
    """A name in another module (torch's), pickled as a GLOBAL opcode without importing the module."""

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args):  # save_reduce wants a callable; this one only stands for torch's
        raise TypeError(f"{self.module}.{self.name} is a stand-in for pickling, not callable")


_REBUILD_TENSOR_V2 = _Global("torch._utils", "_rebuild_tensor_v2")
_REBUILD_PARAMETER = _Global("torch._utils", "_rebuild_parameter")
_REBUILD_FROM_TYPE_V2, _TENSOR_TYPE = _Global("torch._tensor", "_rebuild_from_type_v2"), _Global("torch", "Tensor")
_STORAGE_CLASSES = {dtype: _Global("torch", name) for dtype, name in STORAGE_OF_NATIVE.items()}
_DTYPES = {dtype: _Global("torch", dtype) for dtype in STORAGE_OF_NATIVE}  # torch pickles a dtype as its name
_SIZE, _DEVICE = _Global("torch", "Size"), _Global("torch", "device")
_REBUILD_SPARSE = _Global("torch._utils", "_rebuild_sparse_tensor")
_GET_LAYOUT = _Global("torch.serialization", "_get_layout")  # a layout is pickled by name


class _StorageRef:
    """A tensor's storage in the pickle: becomes its persistent id."""

    def __init__(self, tensor):
        self.tensor = tensor


def _extent(t):
    """Elements of t's storage that t reaches: one past its last element's offset (0 if t is empty)."""
    if t.numel() == 0:
        return 0
    return t.storage_offset() + sum((size - 1) * stride for size, stride in zip(t.shape, t.stride())) + 1


class _Storages:
    """Every storage the pickle refers to: a key in order of appearance and the extent its views reach."""

    def __init__(self):
        self.keys, self.extents, self.tensors = {}, {}, {}

    def add(self, t):
        sid = t._storage_id()
        if sid not in self.keys:
            self.keys[sid] = str(len(self.keys))
            self.tensors[sid] = t  # keeps the storage alive (its id stays unique) while saving
        self.extents[sid] = max(self.extents.get(sid, 0), _extent(t))
        return sid

    def persistent_id(self, t):
        sid = self.add(t)
        return ("storage", _STORAGE_CLASSES[t.dtype.name], self.keys[sid], str(t.device), self.extents[sid])

    def records(self):
        """(key, bytes) of each storage, its first `extent` elements."""
        for sid, key in self.keys.items():
            array = bytes_array(self.tensors[sid].detach().as_strided((self.extents[sid],), (1,), 0).cpu())
            yield key, array.astype(array.dtype.newbyteorder("<"), copy=False).tobytes()


class _TorchPickler(pickle._Pickler):
    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, storages, protocol=2):
        super().__init__(file, protocol=protocol)
        self.storages = storages

    def _save_global_name(self, obj):
        self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
        self.memoize(obj)

    dispatch[_Global] = _save_global_name

    def save_global(self, obj, name=None):
        """chainrule's classes and functions (a whole model's layers) go under PyTorch's names."""
        torch_module_and_name = _torch_names.torch_name(obj) if name is None else None
        if torch_module_and_name is None:
            return super().save_global(obj, name)
        self._save_global_name(_Global(*torch_module_and_name))

    dispatch[types.FunctionType] = save_global
    dispatch[_C.dtype] = lambda self, dtype: self.save(_DTYPES[dtype.name])

    def persistent_id(self, obj):
        return self.storages.persistent_id(obj.tensor) if isinstance(obj, _StorageRef) else None

    def reducer_override(self, obj):
        from chainrule.nn.parameter import Parameter
        from chainrule._tensor import Size
        if isinstance(obj, Size):
            return _SIZE, (tuple(obj),)
        if isinstance(obj, _C.device):
            return _DEVICE, (obj.type,) if obj.index is None else (obj.type, obj.index)
        from chainrule.sparse import SparseTensor, sparse_coo
        if isinstance(obj, SparseTensor):
            return _REBUILD_SPARSE, obj.__reduce_ex__(2)[1]
        if obj is sparse_coo:
            return _GET_LAYOUT, (str(obj),)
        if isinstance(obj, Parameter):
            return _REBUILD_PARAMETER, (obj.data, obj.requires_grad, collections.OrderedDict())
        if isinstance(obj, Tensor):
            if obj.dtype.name not in _STORAGE_CLASSES:
                raise TypeError(f"save: cannot save a tensor of dtype {obj.dtype} in PyTorch's format")
            rebuild = (_StorageRef(obj), obj.storage_offset(), tuple(obj.shape), tuple(obj.stride()),
                       obj.requires_grad, collections.OrderedDict())
            if obj.__dict__:  # attributes set on the tensor travel as its state, as PyTorch saves them
                return _REBUILD_FROM_TYPE_V2, (_REBUILD_TENSOR_V2, _TENSOR_TYPE, rebuild, dict(obj.__dict__))
            return _REBUILD_TENSOR_V2, rebuild
        return NotImplemented


def _pickle(obj, storages, protocol):
    buffer = io.BytesIO()
    _TorchPickler(buffer, storages, protocol).dump(obj)
    return buffer.getbuffer()


def _write_aligned(archive, name, data):
    """Adds a stored record whose data starts at a multiple of _ALIGNMENT in the file, padding with an
    extra field in the local header (as PyTorch's writer, so that torch.load(mmap=True) maps it)."""
    info = zipfile.ZipInfo(name)
    header_end = archive.fp.tell() + 30 + len(name.encode("utf-8")) + 4  # +4: the extra field's own header
    padding = -header_end % _ALIGNMENT
    info.extra = b"FB" + padding.to_bytes(2, "little") + b"Z" * padding
    archive.writestr(info, data)


def torch_zip_bytes(obj, protocol=2, byteorder_record=True):
    """The bytes of a PyTorch zip checkpoint holding obj (a view of the buffer they were written to),
    pickled with `protocol` (torch.save's default: 2), with or without the byteorder record."""
    storages = _Storages()
    _pickle(obj, storages, protocol)  # a first pass finds every view of each storage, so that numel covers them all
    data_pkl = _pickle(obj, storages, protocol)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        _write_aligned(archive, f"{_ARCHIVE}/data.pkl", data_pkl)
        _write_aligned(archive, f"{_ARCHIVE}/.format_version", b"1")
        _write_aligned(archive, f"{_ARCHIVE}/.storage_alignment", str(_ALIGNMENT).encode())
        if byteorder_record:
            _write_aligned(archive, f"{_ARCHIVE}/byteorder", b"little")
        for key, data in storages.records():
            _write_aligned(archive, f"{_ARCHIVE}/data/{key}", data)
        _write_aligned(archive, f"{_ARCHIVE}/version", b"3\n")
    return buffer.getbuffer()
