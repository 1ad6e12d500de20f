"""torch.autograd.Variable, the pre-0.4 wrapper older programs still write:

    x = Variable(torch.randn(4, 2), requires_grad=True)    # a tensor, as in PyTorch since 0.4

Calling it gives a new tensor sharing data's memory, without history, with requires_grad as asked;
isinstance(t, Variable) is True for every tensor. volatile= is accepted and warned about, as in
PyTorch (use `with torch.no_grad():`)."""
import warnings

from chainrule import _C
from chainrule._C import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Variable(data, requires_grad=False, volatile=False): data.detach() with requires_grad set."""

    def __new__(cls, data=None, requires_grad=False, volatile=False, _grad_fn=None):
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` instead.",
                          stacklevel=2)
        if _grad_fn is not None:
            raise TypeError(f"_grad_fn has to be a Function object or None, but got {type(_grad_fn).__name__}")
        if data is None:
            data = _C.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(bool(requires_grad))
