"""jit.isinstance(obj, target_type): torch.jit.isinstance's check of a value against a (container) type,
e.g. List[Tensor], dict[str, int], Optional[Tensor], Tuple[int, str], done in Python as torch does eagerly."""
import builtins
import types
import typing
import warnings

__all__ = ["isinstance"]

# torch's wording of the error for a container type given without its contained types.
_ONE_TYPE = ("without a contained type. Please add a contained type", "[int]")
_CONTAINERS = {list: _ONE_TYPE, tuple: _ONE_TYPE,
               dict: ("without contained types. Please add contained type", "[int, int]")}


def _bare_container_error(target, origin):
    name = getattr(target, "_name", None) or getattr(target, "__name__", None) or str(target).replace("typing.", "")
    wording, example = _CONTAINERS.get(origin, _ONE_TYPE)
    return RuntimeError(f"Attempted to use {name} {wording}, e.g. {name}{example}")


def _warn_if_empty(obj):
    if builtins.isinstance(obj, (list, dict, tuple)) and not obj:
        warnings.warn("The inner type of a container is lost when calling torch.jit.isinstance in eager mode. For "
                      "example, List[int] would become list and therefore falsely return True for List[float] or "
                      "List[str].", stacklevel=4)


def _matches(obj, target):
    if target is typing.Any:
        raise TypeError("typing.Any cannot be used with isinstance()")
    origin, args = typing.get_origin(target), typing.get_args(target)
    if target in _CONTAINERS or target is typing.Optional or (origin in _CONTAINERS and not args):
        raise _bare_container_error(target, origin or target)
    if origin is None:
        return obj is None if target is None or target is type(None) else builtins.isinstance(obj, target)
    if origin in _CONTAINERS:
        _warn_if_empty(obj)   # as torch warns: an empty container matches any contained type
    if origin is list:
        return builtins.isinstance(obj, list) and all(_matches(item, args[0]) for item in obj)
    if origin is dict:
        return builtins.isinstance(obj, dict) and all(_matches(k, args[0]) and _matches(v, args[1])
                                                      for k, v in obj.items())
    if origin is tuple:
        return builtins.isinstance(obj, tuple) and len(obj) == len(args) and all(
            _matches(item, arg) for item, arg in zip(obj, args))
    if origin is typing.Union or origin is types.UnionType:
        return any(_matches(obj, arg) for arg in args)
    return builtins.isinstance(obj, origin)


def isinstance(obj, target_type):
    """True when obj is of target_type, checking container contents (every element of a List[T], every key
    and value of a Dict[K, V], each slot of a Tuple); a container type without contained types raises."""
    return _matches(obj, target_type)
