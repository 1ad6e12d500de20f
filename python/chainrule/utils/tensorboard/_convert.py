"""What every add_* call does first: turn its data (a chainrule tensor, a NumPy array or a Python or
NumPy number) into a NumPy array, as torch.utils.tensorboard's make_np does for torch tensors."""
import numpy as np

from chainrule._C import Tensor


def to_numpy(value, caller):
    """`value` as a NumPy array (a number becomes a one-element array); `caller` names the call in errors."""
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value.detach().cpu().numpy()
    if np.isscalar(value):
        return np.array([value])
    raise TypeError(f"{caller}: expected a chainrule tensor, a NumPy array or a number, got {type(value).__name__}")
