"""Counting ops: unique (sorted values, inverse indices, counts; over all elements or along a dim),
unique_consecutive (the same for runs of equal neighbours, unsorted) and bincount. None has a
gradient in PyTorch; all run through NumPy on the host, which sorts and counts in compiled loops
(np.unique, np.bincount), and return tensors on input's device."""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.host_values import host_values


def _to_tensor(array, device):
    return _C.from_numpy(np.require(array, requirements="C")).to(device)  # keeps 0-d (ascontiguousarray makes 1-d)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of input, sorted (also for sorted=False, as PyTorch does on the CPU), plus
    optionally the index of each element's value in them (inverse, input's shape) and their counts.
    With dim, the distinct slices along dim."""
    values = host_values(input)
    if dim is None:
        found, inverse, counts = np.unique(values.reshape(-1), return_inverse=True, return_counts=True)
        inverse = inverse.reshape(values.shape)
    else:
        if not -max(values.ndim, 1) <= dim < max(values.ndim, 1):
            raise IndexError(f"unique: dim {dim} out of range for a tensor of shape {list(input.shape)}")
        found, inverse, counts = np.unique(values, return_inverse=True, return_counts=True, axis=dim)
        inverse = inverse.reshape(-1)
    out = _to_tensor(found, input.device).to(input.dtype)
    extra = ([_to_tensor(inverse.astype(np.int64), input.device)] if return_inverse else []) + \
            ([_to_tensor(counts.astype(np.int64), input.device)] if return_counts else [])
    return (out, *extra) if extra else out


def _runs(changes):
    """Inverse indices and run lengths from a bool array that is True where a new run starts."""
    starts = np.flatnonzero(changes)
    return np.cumsum(changes) - 1, np.diff(np.append(starts, changes.size))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """input with each run of equal consecutive values (or slices along dim) kept once, plus optionally
    the run each element belongs to (inverse) and the run lengths (counts)."""
    values = host_values(input)
    if dim is None:
        flat = values.reshape(-1)
        changes = np.ones(flat.size, dtype=bool)
        changes[1:] = flat[1:] != flat[:-1]
        found = flat[changes]
        inverse, counts = _runs(changes)
        inverse = inverse.reshape(values.shape)
    else:
        if not -max(values.ndim, 1) <= dim < max(values.ndim, 1):
            raise IndexError(f"unique_consecutive: dim {dim} out of range for a tensor of shape {list(input.shape)}")
        length = values.shape[dim]
        rows = np.moveaxis(values, dim, 0).reshape(length, values.size // length if length else 0)
        changes = np.ones(length, dtype=bool)
        changes[1:] = (rows[1:] != rows[:-1]).any(axis=1)
        found = np.take(values, np.flatnonzero(changes), axis=dim)
        inverse, counts = _runs(changes)
    out = _to_tensor(found, input.device).to(input.dtype)
    extra = ([_to_tensor(inverse.astype(np.int64), input.device)] if return_inverse else []) + \
            ([_to_tensor(counts.astype(np.int64), input.device)] if return_counts else [])
    return (out, *extra) if extra else out


def bincount(input, weights=None, minlength=0):
    """How often each value 0, 1, ..., max occurs in a 1-D integer tensor (length at least minlength);
    with weights, the sum of the weights of each value's elements (in weights' dtype)."""
    if input.dtype.is_floating_point or input.dtype == _C.dtype.bool:
        raise NotImplementedError(f"bincount: expected an integer tensor of non-negative values, got {input.dtype}")
    values = input.detach().cpu().numpy()
    if values.ndim != 1 or (values < 0).any():
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return _to_tensor(np.bincount(values, minlength=minlength).astype(np.int64), input.device)
    if tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input, got weights of "
                           f"shape {list(weights.shape)} for input of shape {list(input.shape)}")
    w = host_values(weights)
    dtype = weights.dtype if weights.is_floating_point() else _C.dtype.float64
    sums = np.bincount(values, weights=w.astype(np.float64), minlength=minlength)
    return _to_tensor(sums, input.device).to(dtype)


Tensor.unique = unique
Tensor.unique_consecutive = unique_consecutive
Tensor.bincount = bincount
