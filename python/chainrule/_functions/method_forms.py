"""Top-level forms of Tensor methods that PyTorch also offers as functions: clone(t), numel(t)."""
from chainrule._functions.predicates import _check_tensor


def clone(input, **kwargs):
    """A copy of input with its own storage (differentiable, like Tensor.clone)."""
    return input.clone(**kwargs)


def numel(input):
    """The number of elements of input (a TypeError, as PyTorch's, for anything else)."""
    _check_tensor("numel", input)
    return input.numel()
