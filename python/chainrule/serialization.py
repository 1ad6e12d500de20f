"""chainrule.save / chainrule.load: state dicts and checkpoints in the safetensors format.

A flat dict of tensors (a state dict) becomes a plain .safetensors file with the dict's keys as the
tensor names, so `safetensors.torch.load_file` reads it straight into PyTorch. Any other nesting of
dicts, lists and tuples of tensors, numbers, strings and None (a checkpoint such as
{"model": sd, "optimizer": opt_sd, "epoch": 3}) is stored the same way: each tensor under its
path-like key ("model/fc.weight", "optimizer/state/0/exp_avg"), and the structure around them as
JSON in the file's metadata (key "chainrule"). Files are written with the `safetensors` package.
"""
import json
import os
import tempfile

import numpy as np
import safetensors
import safetensors.numpy

from chainrule import _C
from chainrule._C import Tensor

__all__ = ["save", "load"]

_STRUCTURE_KEY = "chainrule"
_FORMAT_VERSION = 1
_NATIVE_DTYPES = (np.float32, np.float64, np.int64, np.bool_)


# ---------------------------------------------------------------------------------------- saving

class _Encoder:
    """Walks an object, collecting its tensors (as contiguous NumPy arrays) under path-like keys and
    returning the JSON-able structure that refers to them. Lists, None, bools, ints, strings and
    finite floats are JSON as they are; every other node is a one-key object tagged by its type:
    {"T": tensor key}, {"D": [[key, value], ...]} (a dict: keeps int keys and order),
    {"U": [...]} (a tuple), {"F": "nan" | "inf" | "-inf"} (floats JSON lacks)."""

    def __init__(self):
        self.arrays = {}
        self.key_of = {}  # id(tensor) -> key, so one tensor saved twice is stored once

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            return {"T": self._tensor_key(obj, path)}
        if obj is None or isinstance(obj, (bool, int, str)):
            return obj
        if isinstance(obj, float):
            return {"F": repr(obj)} if obj != obj or obj in (float("inf"), float("-inf")) else obj
        if isinstance(obj, dict):
            items = []
            for key, value in obj.items():
                if isinstance(key, bool) or not isinstance(key, (str, int)):
                    raise TypeError(f"save: dict keys must be str or int, got {type(key).__name__} key "
                                    f"{key!r} at {_show(path)}")
                items.append([key, self.encode(value, path + [str(key)])])
            return {"D": items}
        if isinstance(obj, (list, tuple)):
            values = [self.encode(v, path + [str(i)]) for i, v in enumerate(obj)]
            return values if isinstance(obj, list) else {"U": values}
        raise TypeError(f"save: cannot save an object of type {type(obj).__name__} at {_show(path)}; "
                        "expected tensors, dicts, lists, tuples, numbers, strings or None")

    def _tensor_key(self, t, path):
        if id(t) in self.key_of:
            return self.key_of[id(t)]
        key = "/".join(path) or "tensor"
        base, n = key, 1
        while key in self.arrays:  # e.g. {"a/b": x, "a": {"b": y}}
            key, n = f"{base}#{n}", n + 1
        self.arrays[key] = t.detach().cpu().contiguous().numpy()
        self.key_of[id(t)] = key  # obj keeps t alive while saving, so the id stays unique
        return key


def _show(path):
    return "key path '" + "/".join(path) + "'" if path else "the top level"


def _serialize(obj):
    """The safetensors bytes for obj."""
    encoder = _Encoder()
    structure = encoder.encode(obj, [])
    metadata = {"format": "pt",
                _STRUCTURE_KEY: json.dumps({"version": _FORMAT_VERSION, "structure": structure}, allow_nan=False)}
    return safetensors.numpy.save(encoder.arrays, metadata=metadata)


def _write_all(file, data):
    """Writes data to an open binary file (a seam the crash tests patch)."""
    file.write(data)


def _atomic_write(path, data):
    """Writes data to path through a temporary file in the same directory, flushed and fsync'd, then
    renamed over path: the old file stays whole until the new one is complete."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            _write_all(file, data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory):
    """Makes the rename itself durable where the platform allows it (POSIX)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(obj, f):
    """Saves a state dict or a checkpoint (nested dicts/lists/tuples of tensors, numbers, strings and
    None) to `f`, a path or a binary file object, as a safetensors file.

    Tensors are saved contiguous and detached; one tensor object that appears twice is stored once
    and comes back as one object (distinct views of one storage are saved as separate copies). A path
    is written atomically: a failure part-way leaves any previous file untouched and no temp file.
    """
    data = _serialize(obj)
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(os.fspath(f), data)
    elif hasattr(f, "write"):
        _write_all(f, data)
    else:
        raise TypeError(f"save: f must be a path or a binary file object, got {type(f).__name__}")


# --------------------------------------------------------------------------------------- loading

def _read(f):
    """(arrays, metadata) of the safetensors file at path or in file object f."""
    if isinstance(f, (str, os.PathLike)):
        name = os.fspath(f)
        if not os.path.isfile(name):
            raise FileNotFoundError(f"load: no such file: '{name}'")
        with open(name, "rb") as file:
            data = file.read()
    elif hasattr(f, "read"):
        name, data = getattr(f, "name", "<file object>"), f.read()
    else:
        raise TypeError(f"load: f must be a path or a binary file object, got {type(f).__name__}")
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as e:  # safetensors raises SafetensorError, or TypeError for unknown dtypes
        raise ValueError(f"load: '{name}' is not a safetensors file that chainrule can read ({e})") from None
    return arrays, _metadata(data)


def _metadata(data):
    """The __metadata__ dict of a safetensors file that safetensors has already parsed: its header
    is an 8-byte little-endian length followed by that many bytes of JSON."""
    header_len = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + header_len]).get("__metadata__") or {}


def _native(array, key):
    """array in a dtype chainrule has: files written elsewhere (e.g. by PyTorch) may hold others,
    which are widened losslessly (float16 -> float32, ints and unsigned ints up to 32 bits -> int64)."""
    if array.dtype in _NATIVE_DTYPES:
        # safetensors hands out read-only views of the file's bytes; chainrule tensors are writable.
        return array if array.flags.writeable else array.copy()
    if array.dtype == np.float16:
        return array.astype(np.float32)
    if array.dtype.kind in "iu" and array.dtype != np.uint64:
        return array.astype(np.int64)
    raise ValueError(f"load: tensor '{key}' has dtype {array.dtype}, which chainrule cannot hold "
                     "(it has float32, float64, int64 and bool)")


def _to_tensor(array, key, device):
    t = _C.from_numpy(_native(array, key))
    return t if device is None else t.to(device)


class _Decoder:
    def __init__(self, arrays, device):
        self.arrays, self.device, self.tensors = arrays, device, {}

    def tensor(self, key):
        if key not in self.tensors:  # a key referenced twice gives one shared tensor
            self.tensors[key] = _to_tensor(self.arrays[key], key, self.device)
        return self.tensors[key]

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        (tag, value), = node.items()
        if tag == "T":
            return self.tensor(value)
        if tag == "F":
            return float(value)
        if tag == "U":
            return tuple(self.decode(v) for v in value)
        return {k: self.decode(v) for k, v in value}  # tag "D"


def _target_device(map_location):
    if map_location is None:
        return None
    if isinstance(map_location, dict):  # PyTorch's {saved location: new location}; files hold CPU data
        map_location = map_location.get("cpu", "cpu")
    if isinstance(map_location, (str, _C.device)):
        return map_location
    raise TypeError(f"load: map_location must be None, a device, a device string or a dict, got "
                    f"{type(map_location).__name__}")


def load(f, map_location=None):
    """Loads what save() wrote (the same nesting, dtypes, 0-d tensors and shared tensors), or any
    safetensors file, e.g. one written by PyTorch, as a flat dict {name: tensor} in sorted name order.

    Tensors load on the CPU, or on map_location (a device or device string). Foreign dtypes that
    chainrule lacks are widened losslessly: smaller ints and unsigned ints to int64, float16 to float32.
    """
    device = _target_device(map_location)
    arrays, metadata = _read(f)
    decoder = _Decoder(arrays, device)
    if _STRUCTURE_KEY not in metadata:
        return {key: decoder.tensor(key) for key in sorted(arrays)}  # the order of safe_open().keys()
    try:
        stored = json.loads(metadata[_STRUCTURE_KEY])
        return decoder.decode(stored["structure"])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"load: the chainrule structure in the file's metadata is damaged ({e!r})") from None
