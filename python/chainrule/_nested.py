"""map_tensors: a nested structure (dicts, lists, tuples, named tuples) with each tensor in it
replaced by fn(tensor), everything else kept; what state dicts, traced arguments and model inputs need."""
import numpy as np

from chainrule._C import Tensor, from_numpy


def map_tensors(obj, fn, arrays=False):
    """obj with each tensor t replaced by fn(t), through nested dicts, lists, tuples and named tuples;
    with arrays=True, NumPy arrays too (as tensors sharing their memory)."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if arrays and isinstance(obj, np.ndarray):
        return fn(from_numpy(obj))
    if isinstance(obj, dict):
        return type(obj)({key: map_tensors(value, fn, arrays) for key, value in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
        return type(obj)(*(map_tensors(item, fn, arrays) for item in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_tensors(item, fn, arrays) for item in obj)
    return obj
