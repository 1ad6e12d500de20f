"""Tables the functional composites compute on the host from shapes and arguments alone (gather
indices, masks, divisors, resampling matrices), made tensors on the input's device: a table left on
the CPU would meet a GPU input in a mixed-device op.

Copying a table to a GPU waits for the device, so tables are kept per (content, device, dtype) and
a repeated geometry (the same layer every step) reuses its tensor instead of uploading it again.
The tensors are shared: callers only read them. Large tables are not kept."""
from collections import OrderedDict

import numpy as np

from chainrule import _C

_KEPT_TABLES = 64
_KEPT_BYTES = 1 << 20  # a table larger than this is uploaded each time
_tables = OrderedDict()


def table_like(array, like, dtype=None):
    """`array` as a tensor on like's device (in `dtype` if given)."""
    array = np.require(array, requirements=["C", "W"])  # a copy if a read-only view
    key = None
    if array.nbytes <= _KEPT_BYTES:
        key = (array.dtype.str, array.shape, array.tobytes(), str(like.device), str(dtype))
        table = _tables.get(key)
        if table is not None:
            _tables.move_to_end(key)
            return table
    table = _C.from_numpy(array if key is None else array.copy())  # a kept table owns its values
    table = table.to(device=like.device, dtype=table.dtype if dtype is None else dtype)
    if key is not None:
        _tables[key] = table
        if len(_tables) > _KEPT_TABLES:
            _tables.popitem(last=False)
    return table
