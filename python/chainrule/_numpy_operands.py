"""A tensor meeting a NumPy array in an operator, as in PyTorch: `t * ndarray` (NumPy computes it, then
hands the result to Tensor.__array_wrap__, which makes it a tensor again), `t == ndarray` (compared
as tensors) and `t += ndarray` (PyTorch's in-place operators decline an array, so Python computes t + ndarray
and rebinds t to that new tensor). RL programs mix the two freely: `rhos * (td_target - v).numpy()`,
`vs + v.numpy()`, `action += noise`."""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor


def _as_tensor(array):
    """A C-contiguous copy or view of `array` as a tensor, keeping its shape (a 0-d array gives a 0-d tensor;
    np.ascontiguousarray would make it 1-d)."""
    return _C.from_numpy(np.require(array, requirements="C"))


def _array_wrap(self, array, context=None, return_scalar=False):
    """A NumPy ufunc's result on a tensor operand, as a tensor (PyTorch's: a 0-d result stays a tensor,
    and a bool result becomes uint8)."""
    array = np.asarray(array)
    if array.dtype == np.bool_:
        array = array.astype(np.uint8)
    return _as_tensor(array)


_core_eq = Tensor.__eq__


def _eq(self, other):
    result = _core_eq(self, other)
    if result is NotImplemented and isinstance(other, np.ndarray):
        return _core_eq(self, _as_tensor(other))
    return result


def _declining_arrays(in_place):
    """The in-place operator, returning NotImplemented for a NumPy array as PyTorch's does."""
    def operator(self, other):
        if isinstance(other, np.ndarray):
            return NotImplemented
        return in_place(self, other)
    operator.__name__ = in_place.__name__
    return operator


Tensor.__array_wrap__ = _array_wrap
Tensor.__eq__ = _eq
for _name in ("__iadd__", "__isub__", "__imul__", "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__",
              "__iand__", "__ior__", "__ixor__", "__ilshift__", "__irshift__"):
    setattr(Tensor, _name, _declining_arrays(getattr(Tensor, _name)))
