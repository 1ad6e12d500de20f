"""An elementwise autograd Function from two formulas: its value f(x) and its derivative f'(x), so
that backward is grad * f'(x) with x saved. The composed special functions (asinh/acosh/atanh,
erfc, i0/i1) are built with it; their derivatives are themselves differentiable ops."""
from chainrule.autograd.function import Function


def pointwise_function(name, value, derivative):
    """The Function class `name` (its grad_fn reads `<name>Backward`) computing value(x), with
    gradient grad * derivative(x)."""

    def forward(ctx, x):
        ctx.save_for_backward(x)
        return value(x)

    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * derivative(x)

    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})
