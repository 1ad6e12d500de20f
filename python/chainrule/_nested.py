"""map_tensors: a nested structure (dicts, lists, tuples, named tuples) with each tensor in it
replaced by fn(tensor), everything else kept; what state dicts, traced arguments and the like need."""
from chainrule._C import Tensor


def map_tensors(obj, fn):
    """obj with each tensor t replaced by fn(t), through nested dicts, lists, tuples and named tuples."""
    if isinstance(obj, Tensor):
        return fn(obj)
    if isinstance(obj, dict):
        return type(obj)({key: map_tensors(value, fn) for key, value in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a named tuple
        return type(obj)(*(map_tensors(item, fn) for item in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(map_tensors(item, fn) for item in obj)
    return obj
