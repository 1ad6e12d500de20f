"""add_graph: a model's autograd graph as a TensorBoard GraphDef, drawn by the Graphs tab.

One forward of the model on the given input (eval mode, autograd on; floating inputs get copies that
require grad, so they join the graph) is walked by chainrule.inspect.autograd_walk. Each node of the
walk (an op's grad_fn, or a leaf's AccumulateGrad) becomes a NodeDef named by the scope of the
innermost module call that made it, PyTorch's way ('Net/Sequential[features]/Conv2d[0]/...'), and its
grad_fn name (a parameter's node by the parameter's name instead, the inputs 'input/input.N'); the
outputs get 'output/output.N' nodes. A node's `input` lists the nodes feeding it. The attr
`_output_shapes` holds the shapes of the node's results, as autograd recorded them (the walk's
GraphNode.outputs), on every node.

Scopes: forward hooks record each module call's input and output nodes; calls are taken innermost
first (the order they finish), and each claims the nodes that lie between its outputs and its
inputs and that no inner call claimed.
"""
from collections import defaultdict

from tensorboard.compat.proto.attr_value_pb2 import AttrValue
from tensorboard.compat.proto.config_pb2 import RunMetadata
from tensorboard.compat.proto.graph_pb2 import GraphDef
from tensorboard.compat.proto.node_def_pb2 import NodeDef
from tensorboard.compat.proto.step_stats_pb2 import DeviceStepStats, StepStats
from tensorboard.compat.proto.tensor_shape_pb2 import TensorShapeProto
from tensorboard.compat.proto.versions_pb2 import VersionDef

from chainrule._C import Tensor
from chainrule.autograd import enable_grad
from chainrule.inspect._recording import tensors_in
from chainrule.inspect.autograd_walk import node_of, walk

IO_OP = "IO Node"


def _inputs_tuple(input_to_model):
    """The model's positional arguments; floating tensors replaced by copies that require grad."""
    if input_to_model is None:
        raise ValueError("add_graph: input_to_model is needed, an example input (a tensor or a tuple of the "
                         "forward's arguments) to run the model on once")
    args = input_to_model if isinstance(input_to_model, (tuple, list)) else (input_to_model,)
    return tuple(a.detach().clone().requires_grad_(True) if isinstance(a, Tensor) and a.is_floating_point() else a
                 for a in args)


def _scopes(model):
    """{module path: PyTorch-style scope}, e.g. 'features.0' -> 'Net/Sequential[features]/Conv2d[0]'."""
    base = type(model).__name__
    scopes = {"": base}
    for path, module in model.named_modules():
        if path:
            parent = scopes[path.rpartition(".")[0]]
            scopes[path] = f"{parent}/{type(module).__name__}[{path.rpartition('.')[2]}]"
    return scopes


def _run_recording_calls(model, args):
    """model(*args) with hooks on every module: (output, [(path, input tensors, output tensors)] innermost first)."""
    calls, pending, handles = [], {}, []
    for path, module in model.named_modules():
        def pre_hook(module, inputs, path=path):
            pending.setdefault(path, []).append(tensors_in(inputs))

        def hook(module, inputs, output, path=path):
            calls.append((path, pending[path].pop(), tensors_in(output)))
        handles += [module.register_forward_pre_hook(pre_hook), module.register_forward_hook(hook)]
    was_training = model.training
    model.train(False)
    try:
        with enable_grad():
            output = model(*args)
    finally:
        model.train(was_training)
        for handle in handles:
            handle.remove()
    return output, calls


def _shapes_attr(shapes):
    protos = [TensorShapeProto(dim=[TensorShapeProto.Dim(size=d) for d in shape]) for shape in shapes]
    return {"_output_shapes": AttrValue(list=AttrValue.ListValue(shape=protos))}


class _Namer:
    """Unique node names: the second 'scope/AddBackward0' becomes 'scope/AddBackward0_1', and so on."""

    def __init__(self):
        self.seen = defaultdict(int)

    def __call__(self, name):
        count = self.seen[name]
        self.seen[name] += 1
        return name if count == 0 else f"{name}_{count}"


class _WalkedModel:
    """One forward of the model, walked: the graph's nodes, who feeds whom, and the module calls that made them."""

    def __init__(self, model, input_to_model):
        self.args = _inputs_tuple(input_to_model)
        output, self.calls = _run_recording_calls(model, self.args)
        outputs = [t for t in tensors_in(output) if t.requires_grad]
        if not outputs:
            raise ValueError(f"add_graph: no output of {type(model).__name__} requires grad, so autograd recorded "
                             "no graph; the model needs trainable parameters or a floating-point input")
        self.graph = walk(outputs, dict(model.named_parameters()))
        self.index_of = {id(node.fn): node.index for node in self.graph.nodes}
        self.feeding = defaultdict(list)      # node index -> indices of the nodes whose results it takes
        for source, target in self.graph.edges:
            self.feeding[target].append(source)

    def index(self, tensor):
        """The index of the node whose result `tensor` is, or None when the walk did not reach it."""
        return self.index_of.get(id(node_of(tensor))) if tensor.requires_grad else None

    def indices(self, tensors):
        return {i for i in map(self.index, tensors) if i is not None}

    def scopes(self, scope_names):
        """{node index: scope of the innermost module call that made it}."""
        scope_of = {}
        for path, call_inputs, call_outputs in self.calls:
            stop = self.indices(call_inputs)
            frontier = list(self.indices(call_outputs) - stop)
            seen = set(frontier)
            while frontier:
                index = frontier.pop()
                scope_of.setdefault(index, scope_names[path])
                for source in self.feeding[index]:
                    if source not in stop and source not in seen:
                        seen.add(source)
                        frontier.append(source)
        return scope_of


def _named_nodes(walked, model):
    """{node index: (name, op)}: the inputs, then every other node by its scope and its grad_fn (a parameter's
    by the parameter's name)."""
    scope_names = _scopes(model)
    scope_of = walked.scopes(scope_names)
    named, unique = {}, _Namer()
    graph_inputs = [a for a in walked.args if isinstance(a, Tensor) and a.requires_grad]
    for i, t in enumerate(graph_inputs):
        if walked.index(t) is not None and walked.index(t) not in named:
            named[walked.index(t)] = (unique(f"input/input.{i + 1}"), IO_OP)
    for node in walked.graph.nodes:
        if node.index in named:
            continue
        scope = scope_of.get(node.index, scope_names[""])
        if node.tensors:   # a parameter: named by its path, e.g. Net/Linear[fc1]/weight
            param_name = node.tensors[0][0]
            named[node.index] = (unique(f"{scope}/{param_name.rpartition('.')[2]}"), node.name)
        else:
            named[node.index] = (unique(f"{scope}/{node.name}"), node.name)
    return named, unique


def model_graph(model, input_to_model, verbose=False):
    """(GraphDef, RunMetadata) of one forward of `model` on `input_to_model` (a tensor or a tuple of arguments)."""
    walked = _WalkedModel(model, input_to_model)
    named, unique = _named_nodes(walked, model)
    nodes = []
    for node in walked.graph.nodes:
        name, op = named[node.index]
        nodes.append(NodeDef(name=name, op=op, input=[named[s][0] for s in walked.feeding[node.index]],
                             attr=_shapes_attr(shape for shape, _ in node.outputs)))
    for i, (index, root) in enumerate(walked.graph.roots):
        nodes.append(NodeDef(name=unique(f"output/output.{i + 1}"), op=IO_OP, input=[named[index][0]],
                             attr=_shapes_attr([tuple(root.shape)])))
    if verbose:
        print("\n".join(f"{n.name} ({n.op}) <- {list(n.input)}" for n in nodes))
    step_stats = RunMetadata(step_stats=StepStats(dev_stats=[DeviceStepStats(device="/device:CPU:0")]))
    return GraphDef(node=nodes, versions=VersionDef(producer=22)), step_stats
