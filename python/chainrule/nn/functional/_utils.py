"""Argument helpers shared by the functional wrappers: an int or a sequence as n ints."""


def _ntuple(value, n, name, op):
    """`value` (an int, or a sequence of 1 or n ints) as a list of n ints; TypeError/ValueError naming op."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got bool")
    if isinstance(value, int):
        return [value] * n
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {type(value).__name__}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n or not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return items
