"""The converter tables chainrule.onnx.export looks ops up in.

FUNCTIONS maps the name of a function or Tensor method ("relu", "view", "__add__", "conv2d"; or
"Tensor.where" where a method's arguments differ from the function of the same name) to a
converter `convert(graph, result, *args, **kwargs)` that receives the traced call's own arguments
(with torch's signature) and its result, adds ONNX nodes to the graph and returns the value name of
each tensor in the result (one name, or a list in the order of the result's tensors).

MODULES maps a module class whose forward is not a chain of traceable calls (RNN, LSTM, GRU) to a
converter `convert(graph, module, result, *args, **kwargs)` with the same contract.
"""
FUNCTIONS = {}
MODULES = {}


def converts(*names):
    """Register a function converter under each of `names`."""
    def register(converter):
        for name in names:
            FUNCTIONS[name] = converter
        return converter
    return register


def converts_module(*classes):
    """Register a module converter for each of `classes` (used only when the class's own forward runs)."""
    def register(converter):
        for cls in classes:
            MODULES[cls] = converter
        return converter
    return register
