"""The in-place form of an out-of-place function: Tensor.<name>_ writes fn(self, ...) into self, which
must already have the result's dtype (PyTorch's rule: a float result is not cast into an integer
tensor; "result type Float can't be cast to the desired output type Long").

When autograd records, fn computes from a copy of self: fn may save its input for backward (hypot saves
both operands), and self is overwritten right after, which would fail that backward as "modified by an
in-place operation". PyTorch's in-place ops keep the original self for their backward the same way."""
from chainrule import _C


def _autograd_records(self, args, kwargs):
    operands = (self, *args, *kwargs.values())
    return _C.is_grad_enabled() and any(isinstance(t, _C.Tensor) and t.requires_grad for t in operands)


def in_place(fn):
    """The method fn_ of Tensor: self.copy_(fn(self, ...)), refusing a change of dtype."""
    def method(self, *args, **kwargs):
        original = self.clone() if _autograd_records(self, args, kwargs) else self
        result = fn(original, *args, **kwargs)
        if result.dtype != self.dtype:
            raise RuntimeError(f"{fn.__name__}_: result type {result.dtype} can't be cast to the desired "
                               f"output type {self.dtype}")
        return self.copy_(result)
    method.__name__ = fn.__name__ + "_"
    method.__doc__ = f"In-place {fn.__name__}: writes the result into self."
    return method
