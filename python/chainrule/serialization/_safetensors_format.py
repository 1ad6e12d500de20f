"""The safetensors format of chainrule.save / chainrule.load (paths ending in .safetensors): no pickle.

A flat dict of tensors (a state dict) becomes a plain .safetensors file with the dict's keys as the
tensor names, so `safetensors.torch.load_file` reads it straight into PyTorch. Any other nesting of
dicts, lists and tuples of tensors, NumPy arrays and scalars, numbers, strings and None (a checkpoint
such as {"model": sd, "optimizer": opt_sd, "epoch": 3}) is stored the same way: each tensor or array
under its path-like key ("model/fc.weight", "optimizer/state/0/exp_avg"), and the structure around
them as JSON in the file's metadata (key "chainrule"). Files are written with the `safetensors` package.
"""
import json

import numpy as np
import safetensors
import safetensors.numpy

from chainrule import _C
from chainrule._C import Tensor
from chainrule.serialization._dtypes import native_array
from chainrule.serialization._map_location import relocate

__all__ = ["serialize", "deserialize"]

_STRUCTURE_KEY = "chainrule"
_FORMAT_VERSION = 1


# ---------------------------------------------------------------------------------------- saving

class _Encoder:
    """Walks an object, collecting its tensors and NumPy arrays (as contiguous arrays) under path-like
    keys and returning the JSON-able structure that refers to them. Lists, None, bools, ints, strings
    and finite floats are JSON as they are; every other node is a one-key object tagged by its type:
    {"T": tensor key}, {"N": NumPy array key}, {"S": NumPy scalar key} (a 0-d array),
    {"D": [[key, value], ...]} (a dict: keeps int keys and order), {"U": [...]} (a tuple),
    {"F": "nan" | "inf" | "-inf"} (floats JSON lacks)."""

    def __init__(self):
        self.arrays = {}
        self.key_of = {}  # id(tensor) -> key, so one tensor saved twice is stored once

    def encode(self, obj, path):
        if isinstance(obj, Tensor):
            if obj.dtype == _C.dtype.bfloat16:
                raise TypeError(f"save: the bfloat16 tensor at {_show(path)} cannot go in a safetensors file written "
                                "through NumPy, which has no bfloat16; save it .float(), or to a .pt path")
            return {"T": self._array_key(obj, path, lambda: obj.detach().cpu().contiguous().numpy())}
        if isinstance(obj, (np.ndarray, np.generic)):  # before float: np.float64 is a float
            if obj.dtype.kind not in "biuf":
                raise TypeError(f"save: cannot save a NumPy {type(obj).__name__} of dtype {obj.dtype} at "
                                f"{_show(path)} in a safetensors file; it holds bool, int, uint and float arrays")
            tag = "N" if isinstance(obj, np.ndarray) else "S"
            return {tag: self._array_key(obj, path, lambda: np.asarray(obj, order="C"))}
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
        raise TypeError(f"save: cannot save an object of type {type(obj).__name__} at {_show(path)} in a "
                        "safetensors file; it holds tensors, NumPy arrays, dicts, lists, tuples, numbers, "
                        "strings and None (save other objects to a path not ending in .safetensors: "
                        "PyTorch's format, which pickles them)")

    def _array_key(self, obj, path, as_array):
        if id(obj) in self.key_of:
            return self.key_of[id(obj)]
        key = "/".join(path) or "tensor"
        base, n = key, 1
        while key in self.arrays:  # e.g. {"a/b": x, "a": {"b": y}}
            key, n = f"{base}#{n}", n + 1
        self.arrays[key] = as_array()
        self.key_of[id(obj)] = key  # the saved object keeps obj alive while saving, so the id stays unique
        return key


def _show(path):
    return "key path '" + "/".join(path) + "'" if path else "the top level"


def serialize(obj):
    """The safetensors bytes for obj."""
    encoder = _Encoder()
    structure = encoder.encode(obj, [])
    metadata = {"format": "pt",
                _STRUCTURE_KEY: json.dumps({"version": _FORMAT_VERSION, "structure": structure}, allow_nan=False)}
    return _with_sorted_metadata(safetensors.numpy.save(encoder.arrays, metadata=metadata))


def _with_sorted_metadata(data):
    """safetensors bytes with the header's __metadata__ keys in sorted order, so that saving the same object
    twice gives the same bytes. safetensors (0.8) keeps metadata in a Rust HashMap and writes it in an order
    that changes from process to process (safetensors issue #584; the fix proposed there, PR #790, sorts the
    keys too); its tensors are already in a fixed order (by alignment, then name), kept as they are."""
    header_len, header = _header(data)
    header["__metadata__"] = dict(sorted(header["__metadata__"].items()))
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)   # safetensors pads the header with spaces so the data starts 8-aligned
    return b"".join([len(text).to_bytes(8, "little"), text, memoryview(data)[8 + header_len:]])


# --------------------------------------------------------------------------------------- loading

class _Decoder:
    def __init__(self, arrays, map_location):
        self.arrays, self.map_location, self.loaded = arrays, map_location, {}  # key -> tensor or array

    def tensor(self, key):
        if key not in self.loaded:  # a key referenced twice gives one shared tensor
            array = native_array(self.arrays[key], f"tensor '{key}'")
            self.loaded[key] = relocate(_C.from_numpy(array), "cpu", self.map_location)
        return self.loaded[key]

    def array(self, key):
        if key not in self.loaded:
            array = self.arrays[key]
            self.loaded[key] = array if array.flags.writeable else array.copy()
        return self.loaded[key]

    def decode(self, node):
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            return node
        (tag, value), = node.items()
        if tag == "T":
            return self.tensor(value)
        if tag == "N":
            return self.array(value)
        if tag == "S":
            return self.arrays[value][()]
        if tag == "F":
            return float(value)
        if tag == "U":
            return tuple(self.decode(v) for v in value)
        return {k: self.decode(v) for k, v in value}  # tag "D"


def _header(data):
    """(length, parsed JSON) of the header of a safetensors file that safetensors has already parsed or
    written: an 8-byte little-endian length followed by that many bytes of JSON."""
    header_len = int.from_bytes(data[:8], "little")
    return header_len, json.loads(bytes(data[8:8 + header_len]))


def deserialize(data, name, map_location):
    """What serialize() wrote (the same nesting, dtypes, 0-d tensors and shared tensors), or any
    safetensors file, e.g. one written by PyTorch, as a flat dict {name: tensor} in sorted name order."""
    try:
        arrays = safetensors.numpy.load(data)
    except Exception as e:  # safetensors raises SafetensorError, or TypeError for unknown dtypes
        raise ValueError(f"load: '{name}' is not a safetensors file that chainrule can read ({e})") from None
    decoder = _Decoder(arrays, map_location)
    metadata = _header(data)[1].get("__metadata__") or {}
    if _STRUCTURE_KEY not in metadata:
        return {key: decoder.tensor(key) for key in sorted(arrays)}  # the order of safe_open().keys()
    try:
        stored = json.loads(metadata[_STRUCTURE_KEY])
        return decoder.decode(stored["structure"])
    except RecursionError:  # from json or decode(): deeper than save() writes (its encode recursion)
        raise ValueError(f"load: '{name}' is damaged: the chainrule structure in its metadata is too deeply "
                         "nested") from None
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError(f"load: the chainrule structure in the file's metadata is damaged ({e!r})") from None
