"""Reads checkpoints in PyTorch's zip format (what torch.save writes) without importing torch.

The archive holds `<name>/data.pkl` (the object, pickled), `<name>/data/<key>` (each storage's raw
bytes), `<name>/byteorder` and `<name>/version`. The pickle names its tensors through PyTorch's
rebuild functions and its storages through persistent ids ('storage', torch.FloatStorage, key,
location, numel); `_Unpickler.find_class` answers those names with chainrule stand-ins below, so
torch is never imported. With weights_only=True (the default) every other global is refused unless
the user allowed it (chainrule.serialization.add_safe_globals): nothing in the file is imported or
called beyond that list. Views of one storage come back as views of one chainrule tensor.
"""
import _compat_pickle
import codecs
import collections
import pickle
import pickletools
import zipfile
import zlib

import numpy as np

from chainrule import _C
from chainrule.serialization import _safe_globals, _torch_names
from chainrule.serialization._dtypes import TORCH_DTYPE_BYTES, TORCH_STORAGE_DTYPES, tensor_of_array
from chainrule.serialization._map_location import relocate

__all__ = ["load_torch_zip", "unsafe_globals"]


class _StorageType:
    """What a storage class such as torch.FloatStorage unpickles as: the dtype of its elements
    (uint8 bytes for torch.UntypedStorage, whose real dtype the rebuild call gives)."""

    def __init__(self, dtype_name):
        self.dtype_name = dtype_name


class _ForeignDtype:
    """A PyTorch dtype chainrule lacks (torch.float16, ...), as a rebuild call's argument."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name} (not a chainrule dtype)"


class _Storage:
    """One storage record: its raw bytes, its saved location and its views' shared base tensors."""

    def __init__(self, raw, location, dtype_name, loader):
        self.raw, self.location, self.dtype_name, self.loader = raw, location, dtype_name, loader
        self.bases = {}  # dtype name -> the chainrule tensor holding the whole storage

    def base(self, dtype_name, key):
        if dtype_name not in self.bases:
            self.bases[dtype_name] = self.loader.tensor_of(self, dtype_name, key)
        return self.bases[dtype_name]


def _rebuild(storage, storage_offset, size, stride, requires_grad, dtype_name=None):
    """A view (size, stride, storage_offset) of the storage's elements read as dtype_name (by default the
    storage's own dtype)."""
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError(f"load: a tensor's storage must be a storage record, got {type(storage).__name__}")
    base = storage.base(dtype_name or storage.dtype_name, f"a tensor of shape {tuple(size)}")
    t = base.as_strided(tuple(size), tuple(stride), storage_offset)
    return t.requires_grad_(True) if requires_grad else t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None,
                       metadata=None):
    return _rebuild(storage, storage_offset, size, stride, requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    return _rebuild(storage, storage_offset, size, stride, requires_grad, getattr(dtype, "name", repr(dtype)))


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _rebuild(storage, storage_offset, size, stride, False)


def _set_state(obj, state):
    """Sets the attributes PyTorch pickled with a tensor: a dict, or a pair (dict, slots dict)."""
    for attributes in (state if isinstance(state, tuple) else (state,)):
        for name, value in (attributes or {}).items():
            setattr(obj, name, value)
    return obj


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from chainrule.nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    return _set_state(_rebuild_parameter(data, requires_grad, backward_hooks), state)


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor of a subclass (new_type) or with extra attributes (state), as PyTorch pickles them."""
    t = func(*args)
    if new_type is not _C.Tensor and not (isinstance(new_type, type) and isinstance(t, new_type)):
        raise pickle.UnpicklingError(f"load: cannot rebuild a tensor of type {new_type!r} in chainrule")
    return _set_state(t, state)


def _builtin_globals():
    """{"module.name": stand-in} for every global the weights-only loader accepts by itself, as
    PyTorch's torch._weights_only_unpickler._get_allowed_globals (the tensor-related part)."""
    from chainrule._tensor import Size
    from chainrule.nn.parameter import Parameter
    from chainrule.sparse._coo_tensor import _rebuild_sparse_tensor, layout_named
    table = {
        "collections.OrderedDict": collections.OrderedDict, "collections.Counter": collections.Counter,
        "builtins.set": set, "builtins.bytearray": bytearray, "builtins.complex": complex,
        "_codecs.encode": codecs.encode,  # how protocol 2 pickles bytes
        "torch.Size": Size, "torch.device": _C.device, "torch.Tensor": _C.Tensor,
        "torch.nn.parameter.Parameter": Parameter,
        "torch._utils._rebuild_tensor": _rebuild_tensor, "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
        "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3, "torch._utils._rebuild_parameter": _rebuild_parameter,
        "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
        "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
        "torch._utils._rebuild_sparse_tensor": _rebuild_sparse_tensor, "torch.serialization._get_layout": layout_named,
        "torch.storage.UntypedStorage": _StorageType("uint8"),
    }
    table.update({f"torch.{name}": _StorageType(dtype) for name, dtype in TORCH_STORAGE_DTYPES.items()})
    for name in TORCH_DTYPE_BYTES:
        table[f"torch.{name}"] = getattr(_C.dtype, name) if hasattr(_C.dtype, name) else _ForeignDtype(name)
    return table


def _weights_only_error(full_name):
    short = full_name.rsplit(".", 1)[-1]
    return pickle.UnpicklingError(
        "Weights only load failed: the checkpoint names a class or function that the weights-only loader "
        "does not run. Two ways to load it, only if you trust the source of the checkpoint:\n\t(1) set "
        "weights_only=False if you trust the source (loading can then run arbitrary code);\n\t(2) keep "
        "weights_only=True and allowlist the global, as below.\n\t"
        f"WeightsUnpickler error: Unsupported global: GLOBAL {full_name} was not an allowed global by default. "
        f"Please use `chainrule.serialization.add_safe_globals([{short}])` or the "
        f"`chainrule.serialization.safe_globals([{short}])` context manager to allowlist this global if "
        "you trust this class/function.")


def _python3_name(module, name):
    """(module, name) as Python 3 spells them: protocol 2 pickles written by Python 3 use Python 2's
    names (__builtin__.set), which PyTorch maps back the same way."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


def _globals_in_pickle(data):
    """"module.name" of each global a pickle names: GLOBAL opcodes, and STACK_GLOBAL ones whose two
    strings are pushed literally (not fetched from the memo). Read statically, nothing is run."""
    found, strings = set(), []
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name == "GLOBAL":
            found.add(".".join(_python3_name(*arg.split(" ", 1))))
        elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(".".join(_python3_name(*strings[-2:])))
        if "UNICODE" in opcode.name:
            strings.append(arg)
    return found


class _Unpickler(pickle.Unpickler):
    """data.pkl's unpickler: tensors and storages become chainrule objects; with weights_only, globals
    outside the built-in table and the user's safe globals are refused before anything is imported."""

    def __init__(self, file, loader, weights_only, **unpickler_args):
        super().__init__(file, **unpickler_args)
        self.loader, self.weights_only = loader, weights_only
        user_allowed = _safe_globals.user_allowed() if weights_only else {}
        self.allowed = {**_builtin_globals(), **user_allowed}
        self.user_allowed_objects = list(user_allowed.values())

    def find_class(self, module, name):
        module, name = _python3_name(module, name)
        full_name = f"{module}.{name}"
        if full_name in self.allowed:
            return self.allowed[full_name]
        # a whole model's torch.nn layers are chainrule's; allowing chainrule's class allows PyTorch's name for it
        counterpart = _torch_names.chainrule_counterpart(module, name)
        if self.weights_only:
            if counterpart is not None and any(counterpart is allowed for allowed in self.user_allowed_objects):
                return counterpart
            raise _weights_only_error(full_name)
        return counterpart if counterpart is not None else super().find_class(module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"load: unsupported persistent id {pid!r} (expected a storage)")
        _, storage_type, key, location, numel = pid
        return self.loader.storage(str(key), location, storage_type.dtype_name)


class _Loader:
    """Storages of one archive, read once each (two tensors on one storage share it)."""

    def __init__(self, archive, file, prefix, byteorder, map_location, mmap_buffer):
        self.archive, self.file, self.prefix = archive, file, prefix
        self.map_location, self.mmap_buffer = map_location, mmap_buffer
        self.byteorder = "<" if byteorder == "little" else ">"
        self.storages = {}

    def storage(self, key, location, dtype_name):
        if key not in self.storages:
            self.storages[key] = _Storage(self._raw(f"{self.prefix}data/{key}"), location, dtype_name, self)
        return self.storages[key]

    def _raw(self, name):
        """A record's bytes: a view of the file mapping with mmap, else a fresh writable buffer (so
        that the tensor can share it), checked against the record's CRC."""
        try:
            info = self.archive.getinfo(name)
        except KeyError:
            raise ValueError(f"load: the checkpoint has no record '{name}' for one of its storages") from None
        if info.compress_type != zipfile.ZIP_STORED:
            return bytearray(self.archive.read(name))
        start = self._data_offset(info)
        if self.mmap_buffer is not None:
            return memoryview(self.mmap_buffer)[start:start + info.file_size]
        buffer = bytearray(info.file_size)
        self.file.seek(start)
        if self.file.readinto(buffer) != info.file_size or zlib.crc32(buffer) != info.CRC:
            raise ValueError(f"load: the record '{name}' is damaged or cut short (bad CRC-32)")
        return buffer

    def _data_offset(self, info):
        """Where a stored record's bytes start: after its local header (30 bytes, name, extra field)."""
        self.file.seek(info.header_offset)
        header = self.file.read(30)
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise ValueError(f"load: the record '{info.filename}' has a damaged local header")
        name_length, extra_length = int.from_bytes(header[26:28], "little"), int.from_bytes(header[28:30], "little")
        return info.header_offset + 30 + name_length + extra_length

    def tensor_of(self, storage, dtype_name, what):
        """The whole storage as a 1-d chainrule tensor of dtype_name, on its (mapped) device."""
        if dtype_name not in TORCH_DTYPE_BYTES:
            raise ValueError(f"load: {what} has dtype {dtype_name}, which chainrule cannot read")
        raw_dtype = np.dtype(TORCH_DTYPE_BYTES[dtype_name]).newbyteorder(self.byteorder)
        if len(storage.raw) % raw_dtype.itemsize:
            raise ValueError(f"load: a storage of {what} holds {len(storage.raw)} bytes, not a whole number of "
                             f"{dtype_name} elements")
        array = np.frombuffer(storage.raw, dtype=raw_dtype)
        if raw_dtype.byteorder == ">":
            array = array.astype(raw_dtype.newbyteorder("="))
        return relocate(tensor_of_array(array, dtype_name, what), storage.location, self.map_location)


def _archive_prefix(archive, name):
    pickles = [n for n in archive.namelist() if n.endswith("data.pkl") and n.count("/") == 1]
    if not pickles:
        raise ValueError(f"load: '{name}' is a zip file but not a PyTorch checkpoint (no <archive>/data.pkl)")
    return pickles[0][:-len("data.pkl")]


def _open_archive(file, name):
    try:
        return zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise ValueError(f"load: '{name}' is not a readable zip checkpoint, it may be truncated ({e})") from None


def unsafe_globals(file, name):
    """The globals named in the checkpoint's pickle that the weights-only loader would refuse now."""
    with _open_archive(file, name) as archive:
        named = _globals_in_pickle(archive.read(f"{_archive_prefix(archive, name)}data.pkl"))
    return sorted(named - set(_builtin_globals()) - set(_safe_globals.user_allowed()))


def load_torch_zip(file, name, map_location, weights_only, mmap_buffer=None, **unpickler_args):
    """The object in the PyTorch zip checkpoint in the seekable binary file `file` (named `name` in
    errors); mmap_buffer, when given, is a copy-on-write mapping of the same file to read storages from.
    unpickler_args (encoding=, errors=) go to pickle.Unpickler, as torch.load's pickle_load_args."""
    archive = _open_archive(file, name)
    try:
        with archive:
            prefix = _archive_prefix(archive, name)
            has_byteorder = f"{prefix}byteorder" in archive.namelist()  # absent in files of PyTorch < 1.10
            byteorder = archive.read(f"{prefix}byteorder").decode() if has_byteorder else "little"
            loader = _Loader(archive, file, prefix, byteorder, map_location, mmap_buffer)
            with archive.open(f"{prefix}data.pkl") as data:
                return _Unpickler(data, loader, weights_only, **unpickler_args).load()
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile) as e:
        raise ValueError(f"load: '{name}' is a damaged zip checkpoint ({e})") from None
