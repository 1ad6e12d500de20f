"""The walk over the autograd graph behind some tensors: its nodes and edges, and the tensors known for them.

Any drawer of the graph starts here (chainrule.inspect.graph writes it as Graphviz DOT text,
chainrule.utils.tensorboard's add_graph as a TensorBoard GraphDef). A node is an op recorded by
autograd, a tensor's grad_fn (AddmmBackward0, ReluBackward0, ...), or the AccumulateGrad of a leaf
tensor that requires grad; edge (a, b) says that a's result flows into b in the forward pass (b.next_functions holds a).

Every node tells the shape and dtype of each of its forward results (its _input_metadata, PyTorch's
name: the inputs of its backward), and an AccumulateGrad node the leaf tensor it writes (.variable),
so each GraphNode carries its `outputs` and, for a leaf, its `variable`. Tensors the caller names are
attached too: a leaf to its AccumulateGrad, any other tensor to its grad_fn (the same node object while
the walk holds the graph's nodes).
"""
from collections import deque
from dataclasses import dataclass, field

from chainrule._C import AccumulateGrad, Tensor
from chainrule.autograd import enable_grad


@dataclass
class GraphNode:
    index: int
    fn: object                                    # the chainrule._C.Node
    name: str                                     # fn.name(), e.g. "AddmmBackward0", "AccumulateGrad"
    outputs: list                                 # [(shape tuple, dtype)], one per forward result of the op
    variable: object = None                       # an AccumulateGrad's leaf tensor; None for an op
    tensors: list = field(default_factory=list)   # [(name, tensor)] named by the caller as this node's result


@dataclass
class AutogradGraph:
    nodes: list      # GraphNode, in the order the walk reached them from the roots
    edges: list      # (index of the input's node, index of the node using it)
    roots: list      # (index of the node, tensor) for each tensor the walk started from


def _outputs_of(fn):
    """[(shape, dtype)] of a node's forward results, from its _input_metadata."""
    return [(tuple(meta.shape), meta.dtype) for meta in fn._input_metadata]


def node_of(tensor):
    """The graph node whose result `tensor` is: its grad_fn, or for a leaf its AccumulateGrad; None if it
    does not require grad."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn
    if not tensor.requires_grad:
        return None
    with enable_grad():   # a view's grad_fn leads to the leaf's own AccumulateGrad node
        return tensor.view_as(tensor).grad_fn.next_functions[0][0]


def walk(roots, named_tensors=None):
    """The graph that produced `roots` (a tensor or a sequence of them); named_tensors: {name: tensor}
    attached to their nodes where the graph has them (parameters by their module path, say)."""
    roots = [roots] if isinstance(roots, Tensor) else list(roots)
    for i, root in enumerate(roots):
        if not isinstance(root, Tensor):
            raise TypeError(f"graph: expected tensors, got {type(root).__name__} at position {i}")
        if not root.requires_grad:
            raise ValueError(f"graph: the tensor at position {i} (shape {tuple(root.shape)}) does not require grad, so "
                             "no autograd graph produced it; compute it from parameters or inputs that require grad, "
                             "outside no_grad()")
    nodes, edges, index_of = [], [], {}

    def visit(fn):
        if id(fn) not in index_of:
            index_of[id(fn)] = len(nodes)
            leaf = fn.variable if isinstance(fn, AccumulateGrad) else None
            nodes.append(GraphNode(len(nodes), fn, fn.name(), _outputs_of(fn), leaf))
            pending.append(fn)
        return index_of[id(fn)]

    pending = deque()
    root_indices = [(visit(node_of(root)), root) for root in roots]
    while pending:
        fn = pending.popleft()
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:
                edges.append((visit(next_fn), index_of[id(fn)]))
    for name, tensor in (named_tensors or {}).items():
        if not isinstance(tensor, Tensor):
            raise TypeError(f"graph: params['{name}'] is a {type(tensor).__name__}, not a tensor")
        fn = node_of(tensor)
        if fn is not None and id(fn) in index_of:
            nodes[index_of[id(fn)]].tensors.append((name, tensor))
    return AutogradGraph(nodes, edges, root_indices)
