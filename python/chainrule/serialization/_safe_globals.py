"""The user's allow-list for the weights-only loader: classes and functions a checkpoint may name
beyond the built-in ones, as PyTorch's torch.serialization.add_safe_globals / safe_globals.

An entry is an object (found in a pickle under its __module__ and __qualname__) or a pair
(object, "module.name") for an object that pickles under another name.
"""
import contextlib

__all__ = ["add_safe_globals", "get_safe_globals", "clear_safe_globals", "safe_globals"]

_entries = []


def _check(entry):
    if isinstance(entry, tuple):
        if len(entry) != 2 or not isinstance(entry[1], str):
            raise TypeError(f"add_safe_globals: a tuple entry must be (object, 'module.name'), got {entry!r}")
    elif not hasattr(entry, "__module__") or not hasattr(entry, "__qualname__"):
        raise TypeError(f"add_safe_globals: {entry!r} has no __module__/__qualname__ to be found under in a "
                        "pickle; pass (object, 'module.name') instead")
    return entry


def add_safe_globals(safe_globals):
    """Lets the weights-only loader (load(..., weights_only=True)) accept these classes and functions."""
    _entries.extend(_check(entry) for entry in safe_globals)


def get_safe_globals():
    """The entries added with add_safe_globals, in order."""
    return list(_entries)


def clear_safe_globals():
    """Forgets every entry added with add_safe_globals."""
    _entries.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """Adds entries for the duration of a with-block, then restores the previous list."""
    saved = list(_entries)
    add_safe_globals(safe_globals)
    try:
        yield
    finally:
        _entries[:] = saved


def user_allowed():
    """{"module.name": object} for every entry now allowed."""
    allowed = {}
    for entry in _entries:
        if isinstance(entry, tuple):
            allowed[entry[1]] = entry[0]
        else:
            allowed[f"{entry.__module__}.{entry.__qualname__}"] = entry
    return allowed
