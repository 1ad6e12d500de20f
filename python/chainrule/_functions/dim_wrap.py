"""PyTorch's wrapping of a dim argument, for the ops composed in Python: a negative dim counts from
the end, and one outside [-ndim, ndim - 1] is an IndexError with PyTorch's message (a 0-d tensor
takes -1 and 0), where a bare `dim % ndim` would silently pick another dim."""


def wrap_dim(dim, ndim):
    """dim as an index in [0, ndim) (0 for a 0-d tensor); IndexError when out of range."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim % n
