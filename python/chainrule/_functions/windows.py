"""Tensor.unfold(dimension, size, step): every window of `size` elements, `step` apart, along one
dimension, as a new last dimension (PyTorch's sliding-window view, e.g. for patches or n-grams).

Built from index_select, so the gradient flows back to each element (summed where windows overlap);
unlike PyTorch's the result is a copy, not a view of the input's memory.
"""
from chainrule import _C
from chainrule._C import Tensor


def unfold(self, dimension, size, step):
    """(..., n_windows, ...) along `dimension`, with a last dim of `size`: x.unfold(0, 2, 1) of
    [1, 2, 3] is [[1, 2], [2, 3]]."""
    ndim = max(self.ndim, 1)  # a 0-d tensor takes dims 0 and -1, as PyTorch
    if not -ndim <= dimension < ndim:
        raise IndexError(f"unfold: dimension {dimension} out of range for a tensor of {self.ndim} dims")
    dim = dimension % ndim
    length = self.shape[dim] if self.ndim else 1
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size < 0 or size > length:
        raise RuntimeError(f"unfold: maximum size for tensor at dimension {dim} is {length} but size is {size}")
    if self.ndim == 0:  # as PyTorch: no window dim, just the element (size 1) or nothing (size 0)
        return self.reshape(1).narrow(0, 0, size).clone()
    windows = (length - size) // step + 1
    starts = _C.arange(windows, device=self.device).mul(step).unsqueeze(1)  # (windows, 1)
    index = (starts + _C.arange(size, device=self.device)).reshape(-1)      # (windows * size,)
    picked = self.index_select(dim, index)              # dim holds windows * size elements
    shape = list(self.shape[:dim]) + [windows, size] + list(self.shape[dim + 1:])
    return picked.reshape(shape).movedim(dim + 1, -1)


Tensor.unfold = unfold
