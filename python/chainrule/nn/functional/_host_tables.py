"""Tables the functional composites compute on the host from shapes and arguments alone (gather
indices, masks, divisors, resampling matrices), made tensors on the input's device: a table left on
the CPU would meet a GPU input in a mixed-device op."""
import numpy as np

from chainrule import _C


def table_like(array, like, dtype=None):
    """`array` as a tensor on like's device (in `dtype` if given)."""
    table = _C.from_numpy(np.require(array, requirements=["C", "W"]))  # a copy if a read-only view
    return table.to(device=like.device, dtype=table.dtype if dtype is None else dtype)
