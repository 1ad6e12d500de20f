"""chainrule._dynamo: the place of torch._dynamo, which programs reach around torch.compile
(`torch._dynamo.config.suppress_errors = True`, `torch._dynamo.reset()`, `@torch._dynamo.disable`,
`torch._dynamo.mark_dynamic(x, 0)`). chainrule has no graph compiler (_functions/compile.py), so these
keep what is set and steer nothing; the functions are chainrule.compiler's."""
from chainrule._dynamo import config
from chainrule.compiler import allow_in_graph, assume_constant_result, disable, is_compiling, reset

__all__ = ["allow_in_graph", "assume_constant_result", "config", "disable", "disallow_in_graph", "graph_break",
           "is_compiling", "list_backends", "mark_dynamic", "mark_static", "maybe_mark_dynamic", "reset"]


def disallow_in_graph(fn):
    """Returns fn: there is no graph to keep it out of."""
    return fn


def graph_break():
    """Nothing to break: chainrule runs every op eagerly."""


def mark_dynamic(t, index, *, hint_override=None, min=None, max=None, specialize_on=None):
    """Nothing to mark: no graph is specialised on shapes."""


def maybe_mark_dynamic(t, index):
    """Nothing to mark: no graph is specialised on shapes."""


def mark_static(t, index=None):
    """Nothing to mark: no graph is specialised on shapes."""


def list_backends(exclude_tags=("debug", "experimental")):
    """The backends torch.compile(backend=...) names in PyTorch; chainrule runs every one as eager code."""
    return ["cudagraphs", "inductor", "openxla", "tvm"]
