"""nansum and nanmean: sum and mean that skip NaN (as if it were absent), over every dim, one dim or
a tuple of dims as sum/mean take them; a NaN element gets gradient 0, as in PyTorch."""
from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.dtypes import scalar_type_name


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """The sum with NaN counted as 0 (integer and bool tensors have no NaN: their plain sum)."""
    if input.is_floating_point():
        input = _C.where(input.isnan(), 0.0, input)
    return input.sum(dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """The mean of the elements that are not NaN (NaN where all are)."""
    if not input.is_floating_point():
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{scalar_type_name(input.dtype)}")
    if dtype is not None:
        input = input.to(dtype)
    present = (~input.isnan()).sum(dim, keepdim)
    return nansum(input, dim, keepdim) / present


Tensor.nansum = nansum
Tensor.nanmean = nanmean
