"""Tensor values as NumPy arrays for the ops computed on the host with NumPy (unique, mode, cumprod,
scatter_reduce, histograms, random counts). NumPy has no bfloat16, and its float16 rounds after every
step where PyTorch's kernels compute in float32: both 16-bit floats come as float32 arrays (exactly),
and the ops put their results back in the input's dtype."""
from chainrule import _C

_16_BIT = (_C.dtype.float16, _C.dtype.bfloat16)


def host_values(t):
    """t's values on the host as a NumPy array, the 16-bit floats widened to float32."""
    t = t.detach().cpu()
    return (t.float() if t.dtype in _16_BIT else t).numpy()
