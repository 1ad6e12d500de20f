"""Top-level forms of Tensor methods that PyTorch also offers as functions: clone(t), numel(t)."""


def clone(input, **kwargs):
    """A copy of input with its own storage (differentiable, like Tensor.clone)."""
    return input.clone(**kwargs)


def numel(input):
    """The number of elements of input."""
    return input.numel()
