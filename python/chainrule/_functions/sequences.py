"""Sequence ops: cumprod, repeat_interleave and logspace.

cumprod with gradient is a product over a lower-triangular mask, out[..., i] = prod_{j <= i} x[..., j]:
exact for zeros (prod's backward handles them, as PyTorch's cumprod_backward does) and differentiable
twice, at O(n^2) memory along `dim`; without gradient it is NumPy's sequential cumprod.
"""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor


def cumprod(input, dim, *, dtype=None):
    """Cumulative product along dim: out[i] = input[0] * ... * input[i]."""
    if dtype is not None:
        input = input.to(dtype)
    elif input.dtype == _C.dtype.bool:
        input = input.long()
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"cumprod: dim {dim} out of range for a tensor of shape {list(input.shape)}")
    if input.ndim == 0:
        return input.clone()
    if not (input.requires_grad and _C.is_grad_enabled()):
        values = np.cumprod(input.detach().cpu().numpy(), axis=dim)
        return _C.from_numpy(np.ascontiguousarray(values)).to(input.device)
    last = input.movedim(dim, -1)
    n = last.shape[-1]
    keep = _C.ones(n, n, dtype=_C.dtype.bool, device=input.device)
    keep = keep.cumsum(1) <= _C.arange(1, n + 1, device=input.device).unsqueeze(1)  # keep[i, j] = j <= i
    rows = last.unsqueeze(-2).expand(*last.shape[:-1], n, n)
    return _C.where(keep, rows, 1).prod(-1).movedim(-1, dim)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Repeats each element (or slice along dim) `repeats` times; repeats is an int or a 1-D tensor with
    one count per element. repeat_interleave(counts) alone gives the indices 0,0,..,1,1,.. of the counts."""
    if repeats is None:
        counts = input
        if counts.ndim != 1 or counts.dtype != _C.dtype.int64:
            raise RuntimeError(f"repeat_interleave: repeats must be a 1-D int64 tensor, got {counts.dtype} of "
                               f"shape {list(counts.shape)}")
        return repeat_interleave(_C.arange(counts.shape[0], device=counts.device), counts, 0)
    if dim is None:
        input, dim = input.reshape(-1), 0
    size = input.shape[dim]
    if isinstance(repeats, Tensor):
        if repeats.ndim > 1 or repeats.dtype != _C.dtype.int64:
            raise RuntimeError(f"repeat_interleave: repeats must be an int or a 0-D/1-D int64 tensor, got "
                               f"{repeats.dtype} of shape {list(repeats.shape)}")
        counts = repeats.detach().cpu().numpy().reshape(-1)
    else:
        counts = np.array([int(repeats)])
    if counts.size == 1:
        counts = np.repeat(counts, size)
    if counts.size != size:
        raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim {dim}, "
                           f"got {counts.size} repeats for size {size}")
    if (counts < 0).any():
        raise RuntimeError("repeat_interleave: repeats can not be negative")
    index = np.repeat(np.arange(size, dtype=np.int64), counts)
    if output_size is not None and output_size != index.size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the {index.size} "
                           "repeated elements")
    return input.index_select(dim, _C.from_numpy(index).to(input.device))


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """steps values base**start, ..., base**end, evenly spaced in the exponent."""
    from chainrule._functions.dtypes import get_default_dtype
    exponents = _C.linspace(float(start), float(end), steps, dtype=_C.dtype.float64)
    out = (float(base) ** exponents).to(dtype or get_default_dtype())
    if device is not None:
        out = out.to(device)
    return out.requires_grad_(requires_grad) if requires_grad else out


Tensor.cumprod = cumprod
Tensor.repeat_interleave = repeat_interleave
