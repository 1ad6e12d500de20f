"""chainrule.compiler: torch.compiler's functions that programs and libraries call around
torch.compile. chainrule has no graph compiler (see _functions/compile.py), so nothing is ever being
compiled: is_compiling() is False, disable() and allow_in_graph() hand the function back as it is.

    @torch.compiler.disable          # keep this out of the compiled graph
    def log_stats(x): ...
"""
from chainrule._functions.compile import compile  # noqa: F401

__all__ = ["compile", "disable", "is_compiling", "is_dynamo_compiling", "is_exporting", "reset", "allow_in_graph",
           "assume_constant_result"]


def disable(fn=None, recursive=True, *, reason=None):
    """Marks fn as never compiled: returns it unchanged (as a decorator, with or without arguments)."""
    if fn is None:
        return lambda f: disable(f, recursive, reason=reason)
    if not callable(fn):
        raise AssertionError("fn must be callable")
    return fn


def is_compiling():
    """False: chainrule never traces a program into a compiled graph."""
    return False


def is_dynamo_compiling():
    """False, as is_compiling()."""
    return False


def is_exporting():
    """False: chainrule has no torch.export."""
    return False


def reset():
    """Clears compilation caches: chainrule keeps none."""


def allow_in_graph(fn):
    """Returns fn: there is no graph to let it into."""
    return fn


def assume_constant_result(fn):
    """Returns fn: there is no graph in which to fold its result."""
    return fn
