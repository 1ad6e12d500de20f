"""A tensor meeting a NumPy array in an operator, as in PyTorch: `t * ndarray` (NumPy computes it, then
hands the result to Tensor.__array_wrap__, which makes it a tensor again) and `t == ndarray` (compared
as tensors). RL programs mix the two freely: `rhos * (td_target - v).numpy()`, `vs + v.numpy()`."""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor


def _array_wrap(self, array, context=None, return_scalar=False):
    """A NumPy ufunc's result on a tensor operand, as a tensor (PyTorch's: a 0-d result stays a tensor,
    and a bool result becomes uint8)."""
    array = np.asarray(array)
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    return _C.from_numpy(np.ascontiguousarray(array))


_core_eq = Tensor.__eq__


def _eq(self, other):
    result = _core_eq(self, other)
    if result is NotImplemented and isinstance(other, np.ndarray):
        return _core_eq(self, _C.from_numpy(np.ascontiguousarray(other)))
    return result


Tensor.__array_wrap__ = _array_wrap
Tensor.__eq__ = _eq
