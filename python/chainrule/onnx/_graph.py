"""The ONNX graph under construction during chainrule.onnx.export.

Graph holds the nodes emitted so far, the initializers (parameters, buffers and constants), and the
map from the chainrule tensors seen during the traced forward pass to ONNX value names. Converters
(_glue.py, _layers.py, _rnn.py) ask it for a tensor's value name (`value`), add nodes (`node`) and
constants (`constant`, `scalar`); the tracer (_trace.py) binds inputs and op results (`bind`).
"""
import numpy as np

from chainrule._C import Tensor, dtype as _dtype


class UnsupportedOperatorError(RuntimeError):
    """An op met during export has no ONNX converter (as torch.onnx.errors.UnsupportedOperatorError)."""


_NUMPY_DTYPES = {_dtype.float32: np.float32, _dtype.float64: np.float64, _dtype.float16: np.float16, _dtype.int64: np.int64,
                 _dtype.int32: np.int32, _dtype.int16: np.int16, _dtype.uint8: np.uint8, _dtype.int8: np.int8,
                 _dtype.bool: np.bool_}


def numpy_dtype(dtype):
    """The NumPy dtype of a chainrule dtype; a clear error for dtypes ONNX export does not handle."""
    if dtype not in _NUMPY_DTYPES:
        raise UnsupportedOperatorError(f"chainrule.onnx.export: tensors of dtype {dtype} are not supported")
    return _NUMPY_DTYPES[dtype]


class Graph:
    """Nodes, initializers and the tensor -> value-name map of one export."""

    def __init__(self, onnx, opset, parameter_names):
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.module_path = []           # names of the modules whose forward is running, outermost first
        self._parameter_names = parameter_names  # id(tensor) -> "layer.weight" for parameters and buffers
        self._values = {}               # id(tensor) -> (tensor, name, _version): inputs and results of converted ops
        self._constants = {}            # id(tensor) -> (tensor, name, _version): initializers made from tensors
        self._used_names = set()
        self._memo = {}

    # ---- names --------------------------------------------------------------------------------

    def fresh(self, hint):
        """A value name not used yet, built from hint ("Conv_3", "fc.weight")."""
        name, n = hint, 0
        while name in self._used_names:
            n += 1
            name = f"{hint}_{n}"
        self._used_names.add(name)
        return name

    def where(self):
        """'in module features.3' (or 'in the top-level forward'): where an error happened."""
        return f"in module '{self.module_path[-1]}'" if self.module_path else "in the top-level forward"

    # ---- values -------------------------------------------------------------------------------

    def is_traced(self, obj):
        """Whether obj is a tensor computed from the exported inputs (so its ops must become nodes).
        A tensor that is neither traced nor a known constant but has a grad_fn was made by an op the
        tracer did not see: refused here (by `value`), before it could be folded into a constant."""
        if not isinstance(obj, Tensor):
            return False
        if id(obj) in self._values:
            return True
        if id(obj) not in self._constants and id(obj) not in self._parameter_names and obj.grad_fn is not None:
            self.value(obj)
        return False

    def bind(self, tensor, name):
        """Record that `tensor` is the value `name` (an input, or the result of the nodes just added).
        Binding again (an in-place op) moves the tensor to its new value."""
        self._values[id(tensor)] = (tensor, name, tensor._version)

    def modified_in_place(self, tensor):
        """Accept the in-place change of a tensor that a converted in-place op is about to account for:
        its value name (or initializer, captured before the op) still holds the old value. Its views,
        changed too, are refused where they are used."""
        key = id(tensor)
        if key in self._values:
            self.bind(tensor, self._values[key][1])
        elif key in self._constants and self._constants[key][1] is not None:
            self._constants[key] = (tensor, self._constants[key][1], tensor._version)

    def bind_constant(self, tensor):
        """Mark a tensor computed only from constants and parameters: it becomes an initializer if used."""
        if id(tensor) not in self._values and id(tensor) not in self._constants:
            self._constants[id(tensor)] = (tensor, None, None)

    def value(self, tensor):
        """The value name of a tensor: a traced value, or an initializer for a parameter, buffer or constant.
        A tensor with a grad_fn that no converter produced came from an op the tracer did not see."""
        key = id(tensor)
        if key in self._values:
            _, name, version = self._values[key]
            if tensor._version != version:
                raise UnsupportedOperatorError(
                    f"chainrule.onnx.export: a tensor of shape {tuple(tensor.shape)} {self.where()} was modified in "
                    "place through a view or an alias after it was computed; the graph cannot follow that "
                    "(use an out-of-place op)")
            return name
        entry = self._constants.get(key)
        if entry is not None and entry[1] is not None and entry[2] == tensor._version:
            return entry[1]  # else: never stored, or changed in place since (a new initializer holds it now)
        if key in self._parameter_names:
            hint = self._parameter_names[key]
        elif entry is not None or tensor.grad_fn is None:
            hint = "const"
        else:
            raise UnsupportedOperatorError(
                f"chainrule.onnx.export: a tensor of shape {tuple(tensor.shape)} {self.where()} was made by an op "
                f"that cannot be exported (its grad_fn is {tensor.grad_fn.name()}); use the supported ops listed "
                "in docs/onnx.md")
        name = self.constant(tensor.detach().numpy(), hint)
        self._constants[key] = (tensor, name, tensor._version)
        return name

    def parameter_name(self, tensor, default="const"):
        """The state_dict key of a parameter or buffer (a name for initializers derived from it)."""
        return self._parameter_names.get(id(tensor), default)

    def constant(self, array, hint="const"):
        """An initializer holding a copy of a NumPy array; returns its name."""
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.asarray(array, order="C"), name))
        return name

    def memo(self, key, make):
        """make() the first time a key is asked for, its result again afterwards (initializers derived
        from parameters, such as an RNN cell's reordered weights, stored once however often it runs)."""
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def scalar(self, number, dtype):
        """A 0-d constant of a chainrule dtype (the other operand of `x * 2`), one per value."""
        return self.memo(("scalar", number, dtype),
                         lambda: self.constant(np.array(number, dtype=numpy_dtype(dtype)), "scalar"))

    def ints(self, values, hint="shape"):
        """A 1-d int64 constant (the shapes, axes and indices ONNX ops take as inputs), one per value."""
        values = tuple(int(v) for v in values)
        return self.memo(("ints", values), lambda: self.constant(np.array(values, dtype=np.int64), hint))

    # ---- nodes --------------------------------------------------------------------------------

    def node(self, op_type, inputs, outputs=1, **attributes):
        """Add one node; returns its output name, or a list of names when outputs > 1.
        An input given as '' is an omitted optional input (trailing ones are left out: onnxruntime 1.32
        crashes on a LayerNormalization whose last input is '')."""
        inputs = list(inputs)
        while inputs and inputs[-1] == "":
            inputs.pop()
        names = [self.fresh(f"{op_type}_out") for _ in range(outputs)]
        self.nodes.append(self.onnx.helper.make_node(op_type, inputs, names, name=self.fresh(op_type),
                                                     **{k: v for k, v in attributes.items() if v is not None}))
        return names[0] if outputs == 1 else names

    def cast(self, name, dtype):
        """Cast a value to a chainrule dtype."""
        to = self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(numpy_dtype(dtype)))
        return self.node("Cast", [name], to=to)

    def reduce(self, op_type, name, axes, keepdims):
        """ReduceSum/ReduceMean/...: axes=None reduces all; axes moved from attribute to input in opset 18
        (opset 13 for ReduceSum)."""
        axes_as_input = self.opset >= (13 if op_type == "ReduceSum" else 18)
        if axes is None:
            return self.node(op_type, [name], keepdims=int(keepdims))
        if axes_as_input:
            return self.node(op_type, [name, self.ints(axes, "axes")], keepdims=int(keepdims))
        return self.node(op_type, [name], axes=list(axes), keepdims=int(keepdims))
