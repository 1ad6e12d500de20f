"""torch.jit's decorators and helpers that steer the TorchScript compiler, for code that runs eagerly.

@ignore, @unused and @export mark a function as torch does (its _torchscript_modifier) and hand it
back unchanged; Final is typing.Final; annotate returns its value; fork runs the function at once and
wait returns its result through a completed Future; optimized_execution and the fusion settings have
nothing to steer.
"""
import contextlib
import typing
import warnings

__all__ = ["ignore", "unused", "export", "interface", "Final", "annotate", "Attribute", "Future", "fork", "wait",
           "optimized_execution", "enable_onednn_fusion", "onednn_fusion_enabled", "set_fusion_strategy",
           "strict_fusion", "Error", "TracerWarning", "ScriptWarning"]

Final = typing.Final
Attribute = typing.NamedTuple("Attribute", [("value", typing.Any), ("type", typing.Any)])


class Error(Exception):
    """torch.jit.Error, the exception TorchScript code raises; chainrule's eager code raises Python's own
    errors, so this is only there for `except torch.jit.Error` clauses."""


class TracerWarning(Warning):
    """torch.jit.TracerWarning (chainrule's trace has nothing to warn about, but programs filter it)."""


class ScriptWarning(Warning):
    """torch.jit.ScriptWarning, for warnings filters."""


class FunctionModifiers:
    """The marks torch.jit's decorators leave on a function (fn._torchscript_modifier), with torch's texts."""
    UNUSED = "unused (ignored and replaced with raising of an exception)"
    IGNORE = "ignore (leave as a call to Python, cannot be torch.jit.save'd)"
    EXPORT = "export (compile this function even if nothing calls it)"


def _mark(fn, modifier):
    fn._torchscript_modifier = modifier
    return fn


def ignore(drop=False, **kwargs):
    """@ignore or @ignore(drop=True): the function stays a Python call (it always is in chainrule)."""
    if callable(drop):
        return _mark(drop, FunctionModifiers.IGNORE)
    if drop:
        warnings.warn("ignore(True) has been deprecated. TorchScript will now drop the function call on compilation. "
                      "Use torch.jit.unused now.", FutureWarning, stacklevel=2)
    return lambda fn: _mark(fn, FunctionModifiers.UNUSED if drop else FunctionModifiers.IGNORE)


def unused(fn):
    """@unused: torch replaces the method by one that raises when scripted; eagerly it runs as written."""
    if isinstance(fn, property):
        _mark(fn.fget, FunctionModifiers.UNUSED)
        return fn
    return _mark(fn, FunctionModifiers.UNUSED)


def export(fn):
    """@export: compile this method too in torch; here it is an ordinary method."""
    return _mark(fn, FunctionModifiers.EXPORT)


def interface(obj):
    """@interface: the class is used as written."""
    return obj


def annotate(the_type, the_value):
    """Tells TorchScript the type of the_value; returns the_value."""
    return the_value


class Future:
    """torch.jit.Future as fork returns it: already completed, since fork runs its function at once."""

    def __init__(self, value=None):
        self._value = value

    def done(self):
        return True

    def wait(self):
        return self._value

    value = wait

    def then(self, callback):
        """A Future holding callback(self), run now as self is complete."""
        return fork(callback, self)


def fork(func, *args, **kwargs):
    """Runs func(*args, **kwargs) now, as torch does outside TorchScript (an exception it raises comes out
    here), and returns its completed Future."""
    return Future(func(*args, **kwargs))


def wait(future):
    """The result of a Future from fork."""
    return future.wait()


@contextlib.contextmanager
def optimized_execution(should_optimize):
    """Switches TorchScript's graph optimizations; there are none to switch in chainrule."""
    yield


_onednn_fusion = [False]


def enable_onednn_fusion(enabled):
    """Records the setting (chainrule has no graph fuser to use it)."""
    _onednn_fusion[0] = bool(enabled)


def onednn_fusion_enabled():
    return _onednn_fusion[0]


def set_fusion_strategy(strategy):
    """torch returns the previous strategy; chainrule has no fuser and keeps torch's default."""
    return [("STATIC", 2), ("DYNAMIC", 10)]


class strict_fusion:
    """Context manager that, in TorchScript, checks that the ops inside fused; nothing to check eagerly."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
