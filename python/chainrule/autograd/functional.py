"""backward() and grad(): the Python entry points to the C++ engine; and, from _jacobians.py,
torch.autograd.functional's vjp, jvp, jacobian, hessian, vhp and hvp built on grad()."""
from chainrule import _C
from chainrule._C import Tensor


def _as_list(x):
    if x is None:
        return []
    return [x] if isinstance(x, Tensor) else list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulates d(tensors)/d(leaf) into each leaf's .grad (only into `inputs` when given)."""
    roots = _as_list(tensors)
    grads = _as_list(grad_tensors) or [None] * len(roots)
    keep = create_graph if retain_graph is None else retain_graph
    if inputs is None:
        _C._run_backward(roots, grads, keep, create_graph, [], False)
        return
    targets = _as_list(inputs)
    results = _C._run_backward(roots, grads, keep, create_graph, targets, True)
    for t, g in zip(targets, results):
        if g is not None:
            t.grad = g if t.grad is None else t.grad + g


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` w.r.t. each of `inputs`, as a tuple; no .grad is touched."""
    roots = _as_list(outputs)
    grads = _as_list(grad_outputs) or [None] * len(roots)
    keep = create_graph if retain_graph is None else retain_graph
    return tuple(_C._run_backward(roots, grads, keep, create_graph, _as_list(inputs), allow_unused))


def _tensor_backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Computes the gradient of this tensor w.r.t. the graph's leaves (see chainrule.autograd.backward)."""
    backward(self, gradient, retain_graph, create_graph, inputs)


Tensor.backward = _tensor_backward


from chainrule.autograd._jacobians import vjp, jvp, jacobian, hessian, hvp, vhp  # noqa: E402,F401
