"""Finding elements: isin (membership by sorting test_elements and searching), argwhere (the
indices of non-zero elements, one row each) and unravel_index (flat indices to coordinates).
None of them is differentiable; they return bool or int64 tensors.
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.promotion import result_type
from chainrule._tensor import tensor


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """For each of elements, whether it occurs in test_elements (NaN never does); either may be a
    number. assume_unique is accepted as a speed hint, as in PyTorch; results are the same."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError("isin: expected elements or test_elements to be a Tensor")
    common = result_type(elements, test_elements)
    if common == _C.dtype.bool:
        raise RuntimeError("Unsupported input type encountered for isin(): Bool")
    # a number given for one side becomes a tensor on the other side's device
    elements = (elements.to(common) if isinstance(elements, Tensor)
                else tensor(elements, dtype=common, device=test_elements.device))
    test = (test_elements if isinstance(test_elements, Tensor)
            else tensor(test_elements, device=elements.device)).to(common)
    test = test.detach().reshape(-1).sort()[0]
    if test.numel() == 0:
        found = _C.zeros(elements.shape, dtype=_C.dtype.bool, device=elements.device)
    else:
        positions = _C.searchsorted(test, elements.detach().reshape(-1)).clamp(max=test.numel() - 1)
        found = (test[positions] == elements.detach().reshape(-1)).reshape(*elements.shape)
    return ~found if invert else found


def argwhere(input):
    """The indices of input's non-zero elements, as an (n, input.ndim) int64 tensor."""
    if input.ndim == 0:
        # the row count is the value: a host read, as nonzero's output size in PyTorch
        return _C.zeros(1 if input.item() else 0, 0, dtype=_C.dtype.int64, device=input.device)
    return input.nonzero()


def unravel_index(indices, shape):
    """The coordinates in `shape` of flat (row-major) indices, as a tuple of tensors shaped like
    indices; negative indices count from the end, as in PyTorch."""
    if not isinstance(indices, Tensor):
        raise TypeError(f"unravel_index: expected 'indices' to be a Tensor, got {type(indices).__name__}")
    if indices.is_floating_point() or indices.dtype == _C.dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    if any(size < 0 for size in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    strides = [math.prod(shape[i + 1:]) for i in range(len(shape))]
    return tuple((indices // stride) % size for stride, size in zip(strides, shape))


Tensor.argwhere = argwhere
