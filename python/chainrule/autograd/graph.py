"""torch.autograd.graph: the type of the graph's nodes and hooks on the tensors it saves.

    with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
        loss = model(x).sum()   # each tensor saved for backward is kept as pack(t) ...
    loss.backward()             # ... and backward reads unpack(pack(t))

    with torch.autograd.graph.save_on_cpu():  # saved tensors wait on the host until backward
        loss = model(x.cuda()).sum()

The hooks apply to every tensor an op or an autograd.Function saves while the block is open, on
this thread; the innermost pair wins. Pack hooks run without recording a graph.

Also the walk torch.func and forward_ad make to see whether a result must keep its graph.
"""
import threading

from chainrule import _C

__all__ = ["Node", "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]

Node = _C.Node  # isinstance(t.grad_fn, torch.autograd.graph.Node)

_disabled = threading.local()  # .messages: disable_saved_tensors_hooks' messages, innermost last


class saved_tensors_hooks:
    """Context manager: tensors saved for backward inside it are kept as pack_hook(tensor), and
    unpack_hook(packed) gives backward the tensor back (it must return a tensor of the same values)."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        messages = getattr(_disabled, "messages", [])
        if messages:
            raise RuntimeError(messages[-1])
        _C._push_saved_tensor_hooks(self.pack_hook, self.unpack_hook)
        return self

    def __exit__(self, *exc_info):
        _C._pop_saved_tensor_hooks()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors are copied to the host (pinned with pin_memory=True) and moved back to their
    device when backward needs them: GPU memory for activations traded for copies."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            host = tensor.detach().cpu()
            return tensor.device, host.pin_memory() if pin_memory and tensor.device.type != "cpu" else host

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device, non_blocking=pin_memory)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Context manager: entering saved_tensors_hooks inside it raises RuntimeError(error_message)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        if not hasattr(_disabled, "messages"):
            _disabled.messages = []
        _disabled.messages.append(self.error_message)
        return self

    def __exit__(self, *exc_info):
        _disabled.messages.pop()


def _reaches_a_tensor_besides(tensors, own_leaves):
    """Whether the graph of `tensors` reaches a leaf (or a graph) other than `own_leaves`."""
    own = {id(leaf) for leaf in own_leaves}
    pending = [t.grad_fn for t in tensors if isinstance(t, _C.Tensor) and t.grad_fn is not None]
    seen = {}  # id -> node: holding the node keeps its id from being reused by a new wrapper
    while pending:
        node = pending.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        if isinstance(node, _C.AccumulateGrad):
            if id(node.variable) not in own:
                return True
            continue
        pending.extend(next_node for next_node, _ in node.next_functions if next_node is not None)
    return False
