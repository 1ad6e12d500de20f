"""Capture of one forward pass as an ONNX graph, for chainrule.onnx.export.

chainrule's ops are C++ calls with no dispatch hook, so for the length of one forward pass the tracer
wraps every public function a forward can reach: the methods of Tensor (operators included), the
functions of the chainrule namespace and of chainrule.nn.functional (and those functions where a
module or its class holds them, as TransformerEncoderLayer's activation=F.relu and ReLU's _functional),
and Module.__call__. A call at
the top level of user code (not from inside another wrapped call) whose arguments include a traced
tensor -- one computed from the exported inputs -- is converted to ONNX nodes by its converter in
_registry.FUNCTIONS, with its own arguments; its result tensors become traced values. A call on
constants and parameters only is left alone: its results are constants, folded into initializers.
Modules whose forward is not a chain of such calls (RNN, LSTM, GRU) have a converter of their own in
_registry.MODULES. A traced call without a converter raises UnsupportedOperatorError naming the op
and the module it ran in, so a graph is either right or refused. As a backstop, a tensor with a
grad_fn that no converter made (an op reached some other way) is refused where it is used, naming
its grad_fn (inputs are traced with requires_grad so that every result of theirs has one), and a
traced tensor whose _version moved without a converted in-place op (changed through a view) too.
Everything wrapped is restored when the forward pass ends.
"""
import sys

import chainrule
from chainrule._C import Tensor
from chainrule.autograd import enable_grad
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.onnx import _attention, _compare, _elementwise, _layers, _rnn, _shape  # noqa: F401  (they fill the registry)
from chainrule.onnx._graph import UnsupportedOperatorError
from chainrule.onnx._registry import FUNCTIONS, MODULES

# Tensor's special methods that are not ops on its values; every other one (operators) is wrapped.
_NOT_OPS = {"__init__", "__hash__", "__repr__", "__str__", "__format__", "__deepcopy__", "__reduce_ex__",
            "__getattr__", "__len__", "__iter__"}

_IN_PLACE_OPERATORS = {"__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
                       "__iand__", "__ior__", "__ixor__", "__imatmul__"}

# Calls that hand a traced tensor's values to Python: what follows depends on this input's data.
_READS_VALUES = {"item", "tolist", "numpy", "__bool__", "__int__", "__float__", "__index__", "__array__",
                 "equal", "allclose", "is_nonzero"}


def tensors_in(obj):
    """The tensors in a result or argument (nested tuples and lists, dicts), in order."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, dict):
        obj = list(obj.values())
    if isinstance(obj, (tuple, list)):
        return [t for item in obj for t in tensors_in(item)]
    return []


def _wrappable(owner):
    """(name, attribute) of the public functions of a class or module namespace (classes excluded)."""
    for name, attribute in vars(owner).items():
        if not name.startswith("_") and callable(attribute) and not isinstance(attribute, type):
            yield name, attribute


class Tracer:
    """Wraps the callables while active (a context manager) and turns traced calls into graph nodes."""

    def __init__(self, graph, model):
        self.graph = graph
        self.modules = list(model.modules())
        self.module_names = {id(module): name or type(model).__name__ for name, module in model.named_modules()}
        self.depth = 0                     # > 0 while inside a wrapped call: nested calls are its business
        self._saved = []                   # (owner or its vars(), name, original attribute) to restore

    # ---- wrapping ------------------------------------------------------------------------------

    def __enter__(self):
        try:
            self._wrap_all()
        except BaseException:
            self._restore()
            raise
        self._grad = enable_grad()
        self._grad.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad.__exit__(*exc)
        self._restore()
        return False

    def _wrap_all(self):
        targets = [(Tensor, name, attribute) for name, attribute in _wrappable(Tensor)]
        targets += [(Tensor, name, attribute) for name, attribute in vars(Tensor).items()
                    if name.startswith("__") and callable(attribute) and name not in _NOT_OPS]
        functional = [module for name, module in sorted(sys.modules.items()) if name.startswith(F.__name__ + ".")]
        for namespace in [chainrule, F] + functional:  # modules call e.g. nn.functional.attention's functions
            targets += [(namespace, name, attribute) for name, attribute in _wrappable(namespace)]
        wrappers = {}  # id(function) -> its wrapper
        for owner, name, attribute in targets:
            label = f"Tensor.{name}" if owner is Tensor else f"{owner.__name__}.{name}"
            self._saved.append((owner, name, attribute))
            wrappers[id(attribute)] = (attribute, self._wrap_function(name, label, attribute))
            setattr(owner, name, wrappers[id(attribute)][1])
        self._wrap_held_functions(wrappers)
        self._saved.append((Module, "__call__", Module.__call__))
        Module.__call__ = self._wrap_module_call(Module.__call__)

    def _wrap_held_functions(self, wrappers):
        """Wraps the functions that the modules hold: in an attribute of their own, as TransformerEncoderLayer's
        activation=F.relu, or as a staticmethod of their class, as ReLU's _functional = staticmethod(F.relu)."""
        def wrapper_of(value):
            return wrappers[id(value)][1] if id(value) in wrappers and wrappers[id(value)][0] is value else None

        for module in self.modules:
            for key, value in list(vars(module).items()):
                if wrapper_of(value) is not None:
                    self._saved.append((vars(module), key, value))
                    vars(module)[key] = wrapper_of(value)
        classes = {cls for module in self.modules for cls in type(module).__mro__}
        for cls in classes:
            for key, value in list(vars(cls).items()):
                if isinstance(value, staticmethod) and wrapper_of(value.__func__) is not None:
                    self._saved.append((cls, key, value))
                    setattr(cls, key, staticmethod(wrapper_of(value.__func__)))

    def _restore(self):
        for owner, name, attribute in reversed(self._saved):
            if isinstance(owner, dict):
                owner[name] = attribute
            else:
                setattr(owner, name, attribute)
        self._saved.clear()

    def _run_inside(self, function, args, kwargs):
        """Run a wrapped call with the wrappers silent, so its inner calls are not recorded."""
        self.depth += 1
        try:
            return function(*args, **kwargs)
        finally:
            self.depth -= 1

    def _wrap_function(self, name, label, function):
        tracer = self
        in_place = name in _IN_PLACE_OPERATORS or (name.endswith("_") and not name.startswith("__"))

        def traced(*args, **kwargs):
            if tracer.depth:
                return function(*args, **kwargs)
            if in_place and tracer._any_traced(args, kwargs):
                tracer._store_constants(args, kwargs)
            result = tracer._run_inside(function, args, kwargs)
            tracer._record(name, label, result, args, kwargs)
            return result
        traced.__name__ = getattr(function, "__name__", name)
        traced.__doc__ = getattr(function, "__doc__", None)
        return traced

    def _wrap_module_call(self, call):
        tracer = self

        def traced_call(module, *args, **kwargs):
            if tracer.depth:
                return call(module, *args, **kwargs)
            converter = _module_converter(module)
            tracer.graph.module_path.append(tracer.module_names.get(id(module), type(module).__name__))
            try:
                if converter is None:
                    return call(module, *args, **kwargs)
                result = tracer._run_inside(call, (module,) + args, kwargs)
                tracer._bind_results(result, args, kwargs,
                                     lambda: converter(tracer.graph, module, result, *args, **kwargs))
                return result
            finally:
                tracer.graph.module_path.pop()
        return traced_call

    # ---- recording -----------------------------------------------------------------------------

    def _record(self, name, label, result, args, kwargs):
        outputs = tensors_in(result)
        if not outputs and name not in _READS_VALUES:
            return  # size(), dim(), ...: shapes are static in the graph
        converter = FUNCTIONS.get(label, FUNCTIONS.get(name))  # "Tensor.where" differs from chainrule.where
        if name in _READS_VALUES or converter is None:
            if self._any_traced(args, kwargs):
                why = ("reads the values of a tensor computed from the inputs (data-dependent Python code "
                       "cannot be exported)" if name in _READS_VALUES else "has no ONNX converter")
                raise UnsupportedOperatorError(f"chainrule.onnx.export: {label} {self.graph.where()} {why}; "
                                               "the supported ops are listed in docs/onnx.md")
        self._bind_results(result, args, kwargs, lambda: converter(self.graph, result, *args, **kwargs))

    def _store_constants(self, args, kwargs):
        """Store the untraced tensors of an in-place op as initializers before the op changes them
        (acc = zeros(...); acc += x: the graph adds x to the zeros)."""
        for tensor in tensors_in(list(args) + list(kwargs.values())):
            if not self.graph.is_traced(tensor):
                self.graph.value(tensor)

    def _any_traced(self, args, kwargs):
        return any(self.graph.is_traced(t) for t in tensors_in(list(args) + list(kwargs.values())))

    def _bind_results(self, result, args, kwargs, convert):
        """Bind the result tensors to the names `convert` returns, or mark them constants when no
        argument is traced."""
        outputs = tensors_in(result)
        if not self._any_traced(args, kwargs):
            for tensor in outputs:
                self.graph.bind_constant(tensor)
            return
        arguments = {id(t) for t in tensors_in(list(args) + list(kwargs.values()))}
        for tensor in outputs:
            if id(tensor) in arguments:  # an in-place op returns its argument, its version bumped
                self.graph.modified_in_place(tensor)
        self.depth += 1  # converters read tensors (shapes, parameter values) through wrapped methods
        try:
            names = convert()
        finally:
            self.depth -= 1
        names = [names] if isinstance(names, str) else list(names)
        assert len(names) == len(outputs), "an ONNX converter returned the wrong number of values"
        for tensor, name in zip(outputs, names):
            self.graph.bind(tensor, name)


def _module_converter(module):
    """The converter registered for the module's class, when that class's own forward is the one that runs."""
    for cls in type(module).__mro__:
        if cls in MODULES:
            return MODULES[cls] if type(module).forward is cls.forward else None
    return None
