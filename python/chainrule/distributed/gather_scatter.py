"""all_gather, gather, scatter and reduce_scatter (and the *_tensor forms): PyTorch's signatures on MPI.

The per-rank pieces go through one contiguous buffer of shape (world size, numel): the *_tensor forms
hand MPI the caller's own tensors, the list forms pack or unpack the list with one copy per piece.
Every rank's tensor is first compared across ranks (dtype, shape), and each list is checked against
it here: world-size entries, each of the same dtype and shape.
"""
import numpy as np

from chainrule.distributed.buffers import check_same_metadata, tensor_buffer, travel_dtype, write_into
from chainrule.distributed.collectives import average_of, check_rank
from chainrule.distributed.process_group import resolve_group, skipped_outside_group
from chainrule.distributed.reduce_op import ReduceOp, mpi_op
from chainrule.distributed.work import launch, steps

__all__ = ["all_gather", "all_gather_into_tensor", "gather", "scatter", "reduce_scatter", "reduce_scatter_tensor"]


def _check_list(tensors, like, world, name, what):
    """ValueError unless tensors is a list of world-size tensors of like's dtype and shape."""
    if not isinstance(tensors, (list, tuple)) or len(tensors) != world.size:
        count = len(tensors) if isinstance(tensors, (list, tuple)) else type(tensors).__name__
        raise ValueError(f"{name}: {what} must be a list of {world.size} tensors (one per rank), got {count}")
    for i, t in enumerate(tensors):
        if tuple(t.shape) != tuple(like.shape) or t.dtype != like.dtype:
            raise ValueError(f"{name}: {what}[{i}] is {t.dtype} {tuple(t.shape)} but the tensor is "
                             f"{like.dtype} {tuple(like.shape)}; every piece must match it")


def _pieces(world, tensor):
    """An empty (world size, numel) array of tensor's dtype: one row per rank."""
    return np.empty((world.size, tensor.numel()), travel_dtype(tensor))


def _unpack_into(rows, tensors):
    def unpack():
        for row, t in zip(rows, tensors):
            write_into(t, row)
    return unpack


def _packed(tensors, name):
    return np.concatenate([tensor_buffer(t, name)[0] for t in tensors])


def _check_total(big, small, world, name):
    if big.numel() != world.size * small.numel() or big.dtype != small.dtype:
        raise ValueError(f"{name}: the large tensor ({big.dtype} {tuple(big.shape)}) must hold world size "
                         f"{world.size} times the small one ({small.dtype} {tuple(small.shape)})")


@skipped_outside_group
def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[r] = rank r's tensor, on every rank."""
    world = resolve_group(group, "all_gather")
    check_same_metadata(world, tensor, "all_gather")
    _check_list(tensor_list, tensor, world, "all_gather", "tensor_list")
    send, _ = tensor_buffer(tensor, "all_gather")
    rows = _pieces(world, tensor)
    return launch(world, lambda: world.comm.Allgather(send, rows), lambda: world.comm.Iallgather(send, rows),
                  _unpack_into(rows, tensor_list), async_op, "all_gather")


@skipped_outside_group
def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor (world size times input's elements) = every rank's input_tensor, in rank order."""
    world = resolve_group(group, "all_gather_into_tensor")
    check_same_metadata(world, input_tensor, "all_gather_into_tensor")
    _check_total(output_tensor, input_tensor, world, "all_gather_into_tensor")
    send, _ = tensor_buffer(input_tensor, "all_gather_into_tensor")
    receive, write_back = tensor_buffer(output_tensor, "all_gather_into_tensor")
    return launch(world, lambda: world.comm.Allgather(send, receive), lambda: world.comm.Iallgather(send, receive),
                  write_back, async_op, "all_gather_into_tensor")


@skipped_outside_group
def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    """On rank dst, gather_list[r] = rank r's tensor; the other ranks pass gather_list=None."""
    world = resolve_group(group, "gather")
    dst = check_rank(dst, world, "gather", "dst")
    check_same_metadata(world, tensor, "gather")
    send, _ = tensor_buffer(tensor, "gather")
    rows, finish = None, None
    if world.rank == dst:
        _check_list(gather_list, tensor, world, "gather", "gather_list")
        rows = _pieces(world, tensor)
        finish = _unpack_into(rows, gather_list)
    elif gather_list:
        raise ValueError(f"gather: gather_list must be None or empty on ranks other than dst={dst}")
    return launch(world, lambda: world.comm.Gather(send, rows, root=dst),
                  lambda: world.comm.Igather(send, rows, root=dst), finish, async_op, "gather")


@skipped_outside_group
def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    """tensor = rank src's scatter_list[r] on each rank r; the other ranks pass scatter_list=None."""
    world = resolve_group(group, "scatter")
    src = check_rank(src, world, "scatter", "src")
    check_same_metadata(world, tensor, "scatter")
    receive, write_back = tensor_buffer(tensor, "scatter")
    send = None
    if world.rank == src:
        _check_list(scatter_list, tensor, world, "scatter", "scatter_list")
        send = _packed(scatter_list, "scatter")
    elif scatter_list:
        raise ValueError(f"scatter: scatter_list must be None or empty on ranks other than src={src}")
    return launch(world, lambda: world.comm.Scatter(send, receive, root=src),
                  lambda: world.comm.Iscatter(send, receive, root=src), write_back, async_op, "scatter")


def _reduce_scatter(world, output, send, op, async_op, name):
    receive, write_back = tensor_buffer(output, name)
    MPI, comm = world.MPI, world.comm
    mpi_operation = mpi_op(MPI, op, receive.dtype, name)
    mpi_send, mpi_receive = send, receive
    if receive.dtype == np.uint8 and op in (ReduceOp.SUM, ReduceOp.PRODUCT):
        # Open MPI 5.0's Reduce_scatter_block sums MPI_UNSIGNED_CHAR wrongly on 3 ranks (mpi4py alone
        # shows it); int8 sums and products wrap to the same bytes, so the buffers go as int8.
        mpi_send, mpi_receive = send.view(np.int8), receive.view(np.int8)
    return launch(world, lambda: comm.Reduce_scatter_block(mpi_send, mpi_receive, op=mpi_operation),
                  lambda: comm.Ireduce_scatter_block(mpi_send, mpi_receive, op=mpi_operation),
                  steps(average_of(world, receive, op), write_back), async_op, name)


@skipped_outside_group
def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank r = op over every rank's input_list[r]."""
    world = resolve_group(group, "reduce_scatter")
    check_same_metadata(world, output, "reduce_scatter")
    _check_list(input_list, output, world, "reduce_scatter", "input_list")
    return _reduce_scatter(world, output, _packed(input_list, "reduce_scatter"), op, async_op, "reduce_scatter")


@skipped_outside_group
def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """output on rank r = op over every rank's r-th block of input (world size times output's elements)."""
    world = resolve_group(group, "reduce_scatter_tensor")
    check_same_metadata(world, output, "reduce_scatter_tensor")
    _check_total(input, output, world, "reduce_scatter_tensor")
    send, _ = tensor_buffer(input, "reduce_scatter_tensor")
    return _reduce_scatter(world, output, send, op, async_op, "reduce_scatter_tensor")
