"""Tensors as MPI (or TCP) buffers, and the check that every rank passed the same shape and dtype.

A contiguous CPU tensor goes to MPI as a NumPy view of its own memory (Tensor.numpy() shares it), so
nothing is copied; any other layout is copied into a contiguous array and the result copied back
when the operation completes; float16 and bfloat16 travel as float32 copies. MPI itself cannot
tell a (2, 3) float32 buffer from a (3, 2) one, and a count mismatch is undefined behaviour or a
hang, so collectives first compare (dtype, shape) across ranks with one small Allgather of integers
and raise an error naming both sides.
"""
import numpy as np

import chainrule as cr
from chainrule._C import dtype
from chainrule.distributed.work import launch

__all__ = ["tensor_buffer", "travel_dtype", "write_into", "check_same_metadata"]

_MAX_DIMS = 8  # dims beyond these are still compared through the element count
# a tensor's dtype travels as its position here
_DTYPES = (dtype.float32, dtype.float64, dtype.int64, dtype.bool, dtype.uint8, dtype.int8, dtype.int32, dtype.int16,
           dtype.float16, dtype.bfloat16)
_META_LENGTH = 3 + _MAX_DIMS


def _check_cpu_tensor(tensor, name):
    if not isinstance(tensor, cr.Tensor):
        raise TypeError(f"{name}: expected a chainrule Tensor, got {type(tensor).__name__}")
    if tensor.device.type != "cpu":
        raise NotImplementedError(f"{name}: chainrule.distributed moves CPU tensors only, got one on {tensor.device} "
                                  "(docs/distributed.md, GPU plan)")


def tensor_buffer(tensor, name):
    """(flat array, write_back): a flat NumPy view of tensor's memory, or, for a non-contiguous tensor, a
    contiguous copy and the function that copies it back into the tensor (None when nothing to copy)."""
    _check_cpu_tensor(tensor, name)
    if tensor.dtype in (dtype.float16, dtype.bfloat16):
        return _staged_in_float32(tensor)
    array = tensor.detach().numpy()
    if array.flags.c_contiguous:
        return array.reshape(-1), None
    contiguous = np.ascontiguousarray(array)
    return contiguous.reshape(-1), lambda: np.copyto(array, contiguous.reshape(array.shape))


def _staged_in_float32(tensor):
    """A 16-bit float tensor travels as float32 (MPI has no 16-bit float type): exact both ways, and a
    sum is rounded to 16 bits once, at the end (for two ranks the sum 16-bit arithmetic gives)."""
    staged = tensor.detach().float().contiguous().numpy().reshape(-1)
    return staged, lambda: tensor.detach().copy_(cr.from_numpy(staged.reshape(tuple(tensor.shape))))


def travel_dtype(tensor):
    """The NumPy dtype tensor's elements travel as (float32 for the 16-bit floats)."""
    return np.dtype(np.float32) if tensor.dtype in (dtype.float16, dtype.bfloat16) else tensor.detach().numpy().dtype


def write_into(tensor, flat):
    """Copies a received flat array into tensor (any layout and dtype)."""
    tensor.detach().copy_(cr.from_numpy(flat.reshape(tuple(tensor.shape))))


def _describe(row):
    dtype_index, ndim, numel = (int(v) for v in row[:3])
    dims = tuple(int(d) for d in row[3:3 + min(ndim, _MAX_DIMS)])
    more = f" (+{ndim - _MAX_DIMS} dims, {numel} elements)" if ndim > _MAX_DIMS else ""
    return f"{str(_DTYPES[dtype_index]).split('.')[-1]} {dims}{more}"


def check_same_metadata(world, tensor, name):
    """Raises RuntimeError if another rank passed a tensor of another dtype or shape (one Allgather of
    11 integers per rank; about as cheap in Python as this can be, since it runs before every collective)."""
    _check_cpu_tensor(tensor, name)
    if world.size == 1:
        return
    shape = tuple(tensor.shape)
    mine = np.array((_DTYPES.index(tensor.dtype), len(shape), tensor.numel()) + shape[:_MAX_DIMS]
                    + (-1,) * (_MAX_DIMS - min(len(shape), _MAX_DIMS)), np.int64)
    everyone = np.empty((world.size, _META_LENGTH), np.int64)
    launch(world, lambda: world.comm.Allgather(mine, everyone), lambda: world.comm.Iallgather(mine, everyone), None,
           False, name)
    if everyone.tobytes() == mine.tobytes() * world.size:
        return
    differing = [r for r in range(world.size) if not np.array_equal(everyone[r], everyone[0])]
    sides = ", ".join(f"rank {r} has {_describe(everyone[r])}" for r in [0] + differing)
    raise RuntimeError(f"{name}: the tensors differ across ranks: {sides}; every rank must pass a tensor of "
                       "the same dtype and shape")
