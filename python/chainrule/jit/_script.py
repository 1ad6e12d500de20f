"""script / trace / freeze: what torch.jit hands back, made of chainrule's eager modules.

chainrule has no TorchScript compiler, so script(module) and trace(module, inputs) return a copy of
the module whose class is a subclass of both ScriptModule and the module's own class: it shares the
original's parameters and buffers (as torch's scripted module does), has the same state_dict keys,
runs the same forward eagerly, and answers isinstance(m, torch.jit.ScriptModule). Its sub-modules are
converted the same way. script(function) and trace(function, inputs) wrap it in a ScriptFunction.
`.code`, `.graph` and `.inlined_graph` raise: there is no compiled program to show.
"""
import copy
import functools
import threading
import warnings

from chainrule.nn.modules.module import Module

__all__ = ["ScriptModule", "RecursiveScriptModule", "TracedModule", "TopLevelTracedModule", "ScriptFunction",
           "script", "trace", "trace_module", "freeze", "optimize_for_inference", "is_scripting", "is_tracing",
           "script_method", "script_if_tracing"]

_NOT_COMPILED = ("chainrule runs {what} eagerly and does not compile it to TorchScript, so it has no {attribute}; "
                 "its results are those of the Python code")
_tracing_state = threading.local()


def warn_deprecated(name, alternative="`torch.compile` or `torch.export`"):
    """torch 2.13's DeprecationWarning for TorchScript entry points, word for word, and like torch's raised
    from inside the library (the entry point calling this), so Python's default filters hide it."""
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to {alternative}.", DeprecationWarning,
                  stacklevel=2)


def is_scripting():
    """False: no chainrule code ever runs inside a TorchScript compiler."""
    return False


def is_tracing():
    """True while trace() runs its example inputs through the module or function."""
    return getattr(_tracing_state, "depth", 0) > 0


class _NoCompiledProgram:
    """code / graph / inlined_graph: raise, since chainrule keeps no compiled program to show."""

    def _no_program(self, attribute):
        raise RuntimeError(_NOT_COMPILED.format(what=self._describe(), attribute=attribute))

    code = property(lambda self: self._no_program("TorchScript code (.code)"))
    graph = property(lambda self: self._no_program("TorchScript graph (.graph)"))
    inlined_graph = property(lambda self: self._no_program("TorchScript graph (.inlined_graph)"))


class ScriptModule(_NoCompiledProgram, Module):
    """torch.jit.ScriptModule: the class every scripted or traced module is an instance of. A program may
    subclass it directly (the older @torch.jit.script_method style); it then works as an nn.Module."""

    def _describe(self):
        return f"module '{getattr(self, 'original_name', type(self).__name__)}'"

    def extra_repr(self):
        return f"original_name={self.original_name}" if "original_name" in self.__dict__ else super().extra_repr()

    # torch prints a scripted or traced module as a module, whatever __repr__ its original class defines
    # (einops' Rearrange and EinMix define one); the converted class puts the original class after this one.
    __repr__ = Module.__repr__

    def save(self, f, **kwargs):
        """torch's ScriptModule.save(f): the same as chainrule.jit.save(self, f)."""
        from chainrule.jit._serialization import save
        save(self, f, **kwargs)


class RecursiveScriptModule(ScriptModule):
    """What script(module) returns: repr names it RecursiveScriptModule(original_name=...), as torch's."""

    def _get_name(self):
        return "RecursiveScriptModule"


class TracedModule(ScriptModule):
    """A traced sub-module: repr keeps the original class name, as torch's traced modules do."""

    def _get_name(self):
        return self.original_name


class TopLevelTracedModule(TracedModule):
    """What trace(module, inputs) returns."""


_converted_classes = {}


def _converted_class(base, module_class):
    """The class (base, module_class) for a converted module, made once per pair and named like torch's."""
    key = (base, module_class)
    if key not in _converted_classes:
        _converted_classes[key] = type(base.__name__, (base, module_class), {"__module__": base.__module__})
    return _converted_classes[key]


def _convert(module, base, child_base):
    """A copy of `module` of class (base, type(module)) sharing its tensors; children converted with child_base.
    A module converted already keeps its class."""
    converted_class = type(module) if isinstance(module, ScriptModule) else _converted_class(base, type(module))
    converted = object.__new__(converted_class)
    for name, value in module.__dict__.items():
        # The registries (_parameters, _modules, hook dicts, ...) are copied so that the two modules can be
        # changed apart; the tensors in them stay shared.
        object.__setattr__(converted, name, copy.copy(value) if isinstance(value, (dict, set, list)) else value)
    for name, child in module._modules.items():
        if child is not None:
            converted._modules[name] = _convert(child, child_base, child_base)
    if "original_name" not in converted.__dict__:
        object.__setattr__(converted, "original_name", type(module).__name__)
    return converted


class ScriptFunction(_NoCompiledProgram):
    """torch.jit.ScriptFunction: a scripted or traced function. Calling it calls the Python function."""

    def __init__(self, fn):
        functools.update_wrapper(self, fn)
        self._fn = fn
        self.name = fn.__name__
        self.qualified_name = f"__torch__.{fn.__name__}"

    def _describe(self):
        return f"function '{self.name}'"

    def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

    def __repr__(self):
        return f"<chainrule.jit.ScriptFunction object for {self.name}>"

    def save(self, f, **kwargs):
        from chainrule.jit._serialization import save
        save(self, f, **kwargs)


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """torch.jit.script: a module becomes a RecursiveScriptModule and a function a ScriptFunction, both run
    eagerly; a class is handed back as it is (torch compiles it for TorchScript); already scripted objects
    are returned unchanged."""
    warn_deprecated("script")
    if isinstance(obj, (ScriptModule, ScriptFunction)):
        return obj
    if isinstance(obj, Module):
        return _convert(obj, RecursiveScriptModule, RecursiveScriptModule)
    if isinstance(obj, type):
        return obj
    if callable(obj):
        return ScriptFunction(obj)
    raise RuntimeError(f"chainrule.jit.script: cannot script an object of type {type(obj).__name__}")


def _example_args(example_inputs, example_kwarg_inputs):
    """(args, kwargs) for running the example: a single tensor or a tuple of positional inputs, or kwargs."""
    if example_inputs is None:
        if not isinstance(example_kwarg_inputs, dict):
            raise RuntimeError("example_kwarg_inputs should be a dict")
        return (), example_kwarg_inputs
    if example_kwarg_inputs is not None:
        raise RuntimeError("trace: give example_inputs or example_kwarg_inputs, not both")
    return (example_inputs if isinstance(example_inputs, tuple) else (example_inputs,)), {}


def _run_traced(fn, args, kwargs):
    _tracing_state.depth = getattr(_tracing_state, "depth", 0) + 1
    try:
        return fn(*args, **kwargs)
    finally:
        _tracing_state.depth -= 1


def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
          strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
          example_kwarg_inputs=None, _store_inputs=True):
    """torch.jit.trace: runs `func` once on the example inputs (is_tracing() is True meanwhile), so that an
    example that does not fit fails here as in torch, and returns a TopLevelTracedModule (for a module) or a
    ScriptFunction (for a function) that runs eagerly. Unlike torch's trace, no control flow is frozen: the
    result follows the Python code for every input. With check_trace, each of check_inputs (tuples of
    positional inputs, as torch takes them) runs once too, so that inputs that do not fit fail here; there
    is no recorded graph to compare their results with."""
    warn_deprecated("trace")
    args, kwargs = _example_args(example_inputs, example_kwarg_inputs)
    if isinstance(func, ScriptModule) or isinstance(func, ScriptFunction):
        return func
    _run_traced(func, args, kwargs)
    for check_input in (check_inputs or []) if check_trace else []:
        _run_traced(func, *_example_args(check_input, None))
    if isinstance(func, Module):
        return _convert(func, TopLevelTracedModule, TracedModule)
    if callable(func):
        return ScriptFunction(func)
    raise RuntimeError(f"chainrule.jit.trace: cannot trace an object of type {type(func).__name__}")


def trace_module(mod, inputs, optimize=None, check_trace=True, check_inputs=None, check_tolerance=1e-5,
                 strict=True, _force_outplace=False, _module_class=None, _compilation_unit=None,
                 example_inputs_is_kwarg=False, _store_inputs=True):
    """torch.jit.trace_module: `inputs` maps method names to example inputs; each method runs once."""
    warn_deprecated("trace_method")
    if not isinstance(mod, Module):
        raise AttributeError("expected torch.nn.Module as the first argument")
    if not isinstance(inputs, dict):
        raise AttributeError("expected a dictionary of (method_name, input) pairs")
    for method_name, example in inputs.items():
        args, kwargs = ((), example) if example_inputs_is_kwarg else _example_args(example, None)
        _run_traced(getattr(mod, method_name), args, kwargs)
    return _convert(mod, TopLevelTracedModule, TracedModule)


def freeze(mod, preserved_attrs=None, optimize_numerics=True):
    """torch.jit.freeze: checks what torch checks (a ScriptModule in eval mode) and returns a new converted
    module. torch folds the parameters into constants (parameters() is then empty); chainrule keeps them as
    parameters, shared with `mod`, since its forward reads them."""
    if not isinstance(mod, ScriptModule):
        raise RuntimeError("Freezing expects a ScriptModule as input. Please use torch.jit.script or "
                           "torch.jit.trace to script your 'nn.Module'.")
    if mod.training:
        raise RuntimeError("Freezing is currently only implemented for modules in eval mode. Please call .eval() "
                           "on your module before freezing.")
    return _convert(mod, None, None)


def optimize_for_inference(mod, other_methods=None):
    """torch.jit.optimize_for_inference: freezes a module already in eval mode (nothing else to optimize)."""
    if not isinstance(mod, ScriptModule):
        mod = script(mod)
    return freeze(mod.eval())


def script_method(fn):
    """The older ScriptModule style's method decorator: the method is kept as it is."""
    warn_deprecated("script_method")
    return fn


def script_if_tracing(fn):
    """Scripts fn only when it is called under trace(); chainrule runs it as it is either way."""
    return fn
