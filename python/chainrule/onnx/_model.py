"""Assembly of the onnx.ModelProto for chainrule.onnx.export: names the inputs and outputs, traces
the forward pass in eval mode (_trace.py), gives the graph's inputs and outputs their dtypes and
shapes (with dim_params for dynamic_axes), and checks the result with onnx.checker.
"""
import warnings

import numpy as np

import chainrule
from chainrule._nested import map_tensors
from chainrule.onnx._graph import Graph, numpy_dtype
from chainrule.onnx._trace import Tracer, tensors_in


def _traced_copy(tensor):
    """A copy the forward may modify in place; floating inputs require grad, so that a result made
    by an op the tracer did not see carries a grad_fn to name in the error."""
    if tensor.is_floating_point():
        return tensor.detach().requires_grad_(True).clone()
    return tensor.clone()


def _names(graph, given, count, default):
    """The names of `count` graph inputs or outputs: those given (already reserved), then defaults
    ('input', or 'input_0', 'input_1', ... when there are several) that no other value has taken."""
    names = list(given or [])[:count]
    if count == 1 and not names:
        return [graph.fresh(default)]
    return names + [graph.fresh(f"{default}_{i}") for i in range(len(names), count)]


def _axes_names(name, axes):
    """dynamic_axes[name] as {axis: dim_param}: a list of axes gets torch's '<name>_dynamic_axes_<k>'."""
    if isinstance(axes, dict):
        return dict(axes)
    return {axis: f"{name}_dynamic_axes_{k + 1}" for k, axis in enumerate(axes)}


def _value_info(onnx, name, tensor, dynamic):
    shape = [dynamic.get(axis, size) for axis, size in enumerate(tensor.shape)]
    element = onnx.helper.np_dtype_to_tensor_dtype(np.dtype(numpy_dtype(tensor.dtype)))
    return onnx.helper.make_tensor_value_info(name, element, shape)


def _trace(graph, model, args, kwargs, input_names):
    """Run the model once on traced copies of the inputs; returns the result."""
    copies = {}

    def traced_copy(tensor):
        copies[id(tensor)] = _traced_copy(tensor)
        return copies[id(tensor)]
    args, kwargs = map_tensors(args, traced_copy), map_tensors(kwargs, traced_copy)
    for tensor, name in zip(tensors_in((args, kwargs)), input_names):
        graph.bind(tensor, name)
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    try:
        with Tracer(graph, model):
            return model(*args, **kwargs)
    finally:
        for module, training in modes:
            module.training = training


def _name_outputs(graph, values, output_names):
    """Give the graph's output values their names: rename the node output that makes each, or add an
    Identity where the value is an input, an initializer, or already another output."""
    producers = {name: node for node in graph.nodes for name in node.output}
    renamed = {}
    for value, output_name in zip(values, output_names):
        if value in producers and value not in renamed:
            node = producers[value]
            node.output[list(node.output).index(value)] = output_name
            renamed[value] = output_name
        else:
            graph.nodes.append(graph.onnx.helper.make_node("Identity", [renamed.get(value, value)], [output_name],
                                                           name=graph.fresh("Identity")))
    for node in graph.nodes:
        for i, name in enumerate(node.input):
            if name in renamed:
                node.input[i] = renamed[name]


def build_model(onnx, model, args, kwargs, opset, input_names, output_names, dynamic_axes):
    parameter_names = {id(t): name for name, t in model.named_parameters()}
    parameter_names.update({id(t): name for name, t in model.named_buffers()})
    graph = Graph(onnx, opset, parameter_names)
    given = list(input_names or []) + list(output_names or [])
    if len(given) != len(set(given)):
        raise ValueError(f"chainrule.onnx.export: input_names and output_names repeat a name: {given}")
    for name in given:  # reserved before any node or initializer takes a name
        graph.fresh(name)
    inputs = tensors_in((args, kwargs))
    input_names = _names(graph, input_names, len(inputs), "input")
    result = _trace(graph, model, args, kwargs, input_names)
    outputs = tensors_in(result)
    output_names = _names(graph, output_names, len(outputs), "output")
    _name_outputs(graph, [graph.value(t) for t in outputs], output_names)

    for name in dynamic_axes:
        if name not in input_names and name not in output_names:
            warnings.warn(f"chainrule.onnx.export: dynamic_axes names {name!r}, which is not an input or output name")
    dynamic = {name: _axes_names(name, axes) for name, axes in dynamic_axes.items()}
    graph_inputs = [_value_info(onnx, n, t, dynamic.get(n, {})) for n, t in zip(input_names, inputs)]
    graph_outputs = [_value_info(onnx, n, t, dynamic.get(n, {})) for n, t in zip(output_names, outputs)]
    onnx_graph = onnx.helper.make_graph(graph.nodes, "main_graph", graph_inputs, graph_outputs,
                                        initializer=graph.initializers)
    opsets = [onnx.helper.make_opsetid("", opset)]
    proto = onnx.helper.make_model(onnx_graph, opset_imports=opsets, producer_name="chainrule",
                                   producer_version=getattr(chainrule, "__version__", ""),
                                   ir_version=onnx.helper.find_min_ir_version_for(opsets))
    onnx.checker.check_model(proto)
    return proto
