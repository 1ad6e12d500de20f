"""nn.Parameter: a Tensor that a Module registers as a learnable parameter when assigned as an attribute."""
from chainrule import _C
from chainrule._C import Tensor


class Parameter(Tensor):
    """A tensor sharing `data`'s storage (detached from its graph) that requires grad by default.

    Ops on a Parameter return plain Tensors; `p.data = t` swaps its data in place, as in PyTorch.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = _C.zeros(0)
        return Tensor._make_subclass(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass  # the instance is complete after __new__ (Tensor's own __init__ would reject the call)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copied = type(self)(self.data.clone(), self.requires_grad)
        if self.grad is not None:
            copied.grad = self.grad.clone()
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.data, self.requires_grad))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)
