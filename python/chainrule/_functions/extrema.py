"""Extremes that PyTorch returns with a second tensor: aminmax (min and max at once), the running
cummax/cummin with the position of each running extreme, and mode (the most frequent value and its
last position), as return_types named tuples.

cummax/cummin find the positions in one pass along the dim without autograd (a later tie wins and a
NaN stays once seen, as in PyTorch), then gather the values at them, so the gradient goes to
those positions exactly as PyTorch's backward scatters it.
"""
import math

import numpy as np

from chainrule import _C, return_types
from chainrule._C import Tensor
from chainrule._functions.host_values import host_values


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) of input, over all elements or along dim."""
    empty = input.numel() == 0 if dim is None else input.shape[dim] == 0
    if empty:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                           "identity.")
    if dim is None:
        low, high = input.amin(), input.amax()
        if keepdim:
            shape = [1] * input.ndim
            low, high = low.reshape(*shape), high.reshape(*shape)
        return return_types.aminmax(low, high)
    return return_types.aminmax(input.amin(dim, keepdim), input.amax(dim, keepdim))


def _running_extreme(input, dim, op, replaces, result_type):
    nd = max(input.ndim, 1)
    if not -nd <= dim < nd:
        raise IndexError(f"{op}: dim {dim} out of range for a tensor of {input.ndim} dimensions")
    if input.ndim == 0:
        return result_type(input.clone(), _C.zeros((), dtype=_C.dtype.int64, device=input.device))
    dim %= input.ndim
    length = input.shape[dim]
    if length == 0:
        return result_type(input.clone(), _C.zeros(input.shape, dtype=_C.dtype.int64, device=input.device))
    values = input.detach().movedim(dim, -1)
    best, best_at = values[..., 0], _C.zeros(values.shape[:-1], dtype=_C.dtype.int64, device=input.device)
    positions = [best_at]
    for i in range(1, length):
        x = values[..., i]
        take = replaces(x, best)
        if x.is_floating_point():
            take = take | x.isnan()
        best, best_at = _C.where(take, x, best), _C.where(take, i, best_at)
        positions.append(best_at)
    indices = _C.stack(positions, dim=-1).movedim(-1, dim).contiguous()
    return result_type(input.gather(dim, indices), indices)


def cummax(input, dim):
    """The running maximum along dim and where each was found."""
    return _running_extreme(input, dim, "cummax", lambda x, best: x >= best, return_types.cummax)


def cummin(input, dim):
    """The running minimum along dim and where each was found."""
    return _running_extreme(input, dim, "cummin", lambda x, best: x <= best, return_types.cummin)


def _last_position_of_mode(row):
    """The index of the last occurrence of row's most frequent value (the smallest such value)."""
    found, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
    return np.flatnonzero(inverse.reshape(-1) == np.argmax(counts))[-1]


def mode(input, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest one on a tie) and the index of its last
    occurrence; the value is gathered there, so its gradient goes to that position. Positions are
    found on the host with NumPy."""
    if input.ndim == 0:
        return return_types.mode(input.clone(), _C.zeros((), dtype=_C.dtype.int64, device=input.device))
    if not -input.ndim <= dim < input.ndim:
        raise IndexError(f"mode: dim {dim} out of range for a tensor of {input.ndim} dimensions")
    dim %= input.ndim
    rows = np.moveaxis(host_values(input), dim, -1)
    outer, length = rows.shape[:-1], rows.shape[-1]
    if length == 0 and math.prod(outer) > 0:
        raise IndexError(f"mode(): Expected reduction dim {dim} to have non-zero size.")
    flat = rows.reshape(math.prod(outer), length)
    positions = np.array([_last_position_of_mode(row) for row in flat], dtype=np.int64).reshape(outer)
    indices = _C.from_numpy(np.require(positions, requirements="C")).to(input.device).unsqueeze(dim)
    values = input.gather(dim, indices)
    if not keepdim:
        values, indices = values.squeeze(dim), indices.squeeze(dim)
    return return_types.mode(values, indices)


for _fn in (aminmax, cummax, cummin, mode):
    setattr(Tensor, _fn.__name__, _fn)
