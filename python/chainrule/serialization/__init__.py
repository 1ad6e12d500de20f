"""chainrule.save / chainrule.load: checkpoints in PyTorch's zip format or in safetensors.

`save` picks the format from the path: a path ending in .safetensors gets the safetensors format
(no pickle; _safetensors_format); any other path (.pt, .pth, ...) or a file object gets PyTorch's
zip format (_torch_zip_writer), which torch.load reads. Paths are written atomically. `load` tells the
formats apart by their first bytes and reads both; PyTorch checkpoints go through a restricted
unpickler (_torch_zip_reader) that, with weights_only=True (the default, as PyTorch 2.6+), accepts
only tensors, containers, numbers and strings plus what add_safe_globals allows.
"""
import errno
import io
import mmap as _mmap
import os
import pickle
import warnings

from chainrule.serialization import _safetensors_format, _torch_zip_reader, _torch_zip_writer
from chainrule.serialization._atomic_file import atomic_write, names_a_directory
from chainrule.serialization._map_location import check_map_location
from chainrule.serialization._safe_globals import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ["save", "load", "add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals",
           "get_unsafe_globals_in_checkpoint"]

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first record, or the end record of an empty zip
_LEGACY_TORCH_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19"  # protocol 2 + PyTorch's magic number


# ---------------------------------------------------------------------------------------- saving

def _write_all(file, data):
    """Writes data to an open binary file (a seam the crash tests patch)."""
    file.write(data)


def _check_parent_directory(path):
    """torch.save's check before writing: a path whose folder is missing (or is a file) is a RuntimeError
    naming that folder, not an OSError about a temp file. A path naming a directory (or ending in a
    separator) is left to atomic_write's IsADirectoryError."""
    if names_a_directory(path):
        return
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        raise RuntimeError(f"save: Parent directory {directory} does not exist.")


def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Saves obj to `f`, a path or a binary file object, as torch.save does.

    A path ending in .safetensors gets a safetensors file (no pickle): nested dicts, lists and tuples
    of tensors, NumPy arrays and scalars, numbers, strings and None; a flat dict of tensors is a plain
    safetensors file. Any other path, or a file object, gets PyTorch's zip format, which
    torch.load(weights_only=True) reads for tensors and containers; other objects (a whole Module)
    are pickled and load only with weights_only=False. Tensors are saved without their autograd
    graph (PyTorch's format keeps requires_grad, safetensors only values); views of one storage stay
    views of one storage in PyTorch's format. A path is written atomically: a failure part-way leaves
    any previous file untouched and no temp file.

    pickle_protocol and _disable_byteorder_record are honoured; pickle_module must be Python's pickle.
    _use_new_zipfile_serialization=False (PyTorch's pre-1.6 format) still writes the zip format, which
    every PyTorch since 1.6 reads, with a warning.
    """
    is_path = isinstance(f, (str, os.PathLike))
    if not is_path and not hasattr(f, "write"):
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")
    if pickle_module is not pickle:
        raise ValueError("save: only Python's pickle module is supported as pickle_module")
    if not _use_new_zipfile_serialization:
        warnings.warn("save: chainrule writes PyTorch's zip format (read by torch.load since PyTorch 1.6); "
                      "_use_new_zipfile_serialization=False is ignored", stacklevel=2)
    if is_path:
        _check_parent_directory(os.fspath(f))
    if is_path and os.fspath(f).endswith(".safetensors"):
        data = _safetensors_format.serialize(obj)
    else:
        data = _torch_zip_writer.torch_zip_bytes(obj, pickle_protocol, not _disable_byteorder_record)
    if is_path:
        atomic_write(os.fspath(f), lambda file: _write_all(file, data))
    else:
        _write_all(f, data)


# --------------------------------------------------------------------------------------- loading

def _check_load_arguments(map_location, pickle_module, weights_only, mmap, f):
    check_map_location(map_location)
    if pickle_module is not None and pickle_module is not pickle:
        raise ValueError("load: only Python's pickle module is supported as pickle_module")
    if weights_only and pickle_module is not None:
        raise RuntimeError("load: can not safely load weights when an explicit pickle_module is specified")
    if mmap and not isinstance(f, (str, os.PathLike)):
        raise ValueError("load: f must be a file path in order to use the mmap argument")


def _load_file(file, name, map_location, weights_only, mmap, unpickler_args):
    """Loads from a seekable binary file positioned at the checkpoint's start."""
    start = file.tell()
    head = file.read(len(_LEGACY_TORCH_MAGIC))
    file.seek(start)
    if head.startswith(_ZIP_MAGIC):
        mapping = _mmap.mmap(file.fileno(), 0, access=_mmap.ACCESS_COPY) if mmap else None
        return _torch_zip_reader.load_torch_zip(file, name, map_location, weights_only, mapping, **unpickler_args)
    if mmap:
        raise ValueError(f"load: mmap=True reads PyTorch zip checkpoints; '{name}' is not one")
    if head == _LEGACY_TORCH_MAGIC:
        raise ValueError(f"load: '{name}' is in PyTorch's legacy (pre-1.6, non-zip) format, which chainrule "
                         "does not read; re-save it with a current torch.save")
    return _safetensors_format.deserialize(file.read(), name, map_location)


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Loads what save() or torch.save wrote, or any safetensors file, as torch.load does.

    weights_only (None means True, as in PyTorch 2.6+) lets a PyTorch checkpoint hold only tensors,
    dicts, lists, tuples, sets, numbers, strings and None, plus the classes and functions given to
    add_safe_globals / safe_globals; anything else raises pickle.UnpicklingError before it is imported
    or called. weights_only=False unpickles anything: only for files from a source you trust.
    map_location: as torch.load (a device, a device string, a dict of locations or a callable).
    mmap=True maps a PyTorch checkpoint's storages from the file (copy-on-write) instead of reading
    them. Foreign dtypes chainrule lacks are widened losslessly: float16 and bfloat16 to float32,
    smaller ints and unsigned ints to int64. A safetensors file without chainrule's structure loads as
    a flat dict {name: tensor} in sorted name order.
    """
    weights_only = True if weights_only is None else weights_only
    _check_load_arguments(map_location, pickle_module, weights_only, mmap, f)
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        if os.path.isdir(name):
            raise IsADirectoryError(errno.EISDIR, "load: is a directory, not a file", name)
        if not os.path.isfile(name):
            raise FileNotFoundError(f"load: no such file: '{name}'")
        with open(name, "rb") as file:
            return _load_file(file, name, map_location, weights_only, mmap, pickle_load_args)
    if not hasattr(f, "read"):
        raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")
    name = getattr(f, "name", "<file object>")
    file = f if getattr(f, "seekable", lambda: False)() else io.BytesIO(f.read())
    return _load_file(file, name, map_location, weights_only, False, pickle_load_args)


def get_unsafe_globals_in_checkpoint(f):
    """The "module.name" of each class or function that the PyTorch checkpoint f (a path or a binary
    file object) names and that load(f) with weights_only=True would refuse now, as PyTorch's: what
    to pass to add_safe_globals, after checking you trust it. Read from the pickle without running it."""
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as file:
            return _torch_zip_reader.unsafe_globals(file, os.fspath(f))
    return _torch_zip_reader.unsafe_globals(f, getattr(f, "name", "<file object>"))
