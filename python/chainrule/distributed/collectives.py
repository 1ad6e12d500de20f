"""barrier, broadcast, all_reduce and reduce: PyTorch's signatures, run as MPI collectives in place.

Each checks first that every rank passed the same dtype and shape (buffers.check_same_metadata),
then hands MPI the tensor's own memory. async_op=True returns a Work (work.py); otherwise the call
returns None once the result is in the tensor.
"""
from chainrule.distributed.buffers import check_same_metadata, tensor_buffer
from chainrule.distributed.process_group import resolve_group, skipped_outside_group
from chainrule.distributed.reduce_op import ReduceOp, mpi_op
from chainrule.distributed.work import launch, steps

__all__ = ["barrier", "broadcast", "all_reduce", "reduce", "check_rank"]


def check_rank(rank, world, name, role):
    """The group rank of global rank `rank` (role: "src", "dst"); ValueError unless it is in the group."""
    if not isinstance(rank, int) or rank not in world.ranks:
        where = f"0 to {world.size - 1}" if world.ranks == list(range(world.size)) else f"ranks {world.ranks}"
        raise ValueError(f"{name}: {role}={rank!r} is not a rank of the group ({where})")
    return world.ranks.index(rank)


def average_of(world, buffer, op):
    """The finishing step of an AVG: the summed buffer divided by the world size, in place."""
    if op is not ReduceOp.AVG:
        return None

    def divide():
        buffer[...] /= world.size

    return divide


@skipped_outside_group
def barrier(group=None, async_op=False, device_ids=None):
    """Returns once every rank has called barrier (or a Work that completes then)."""
    world = resolve_group(group, "barrier")
    if device_ids is not None:
        raise NotImplementedError("barrier: device_ids is for GPU backends; chainrule.distributed moves CPU tensors "
                                  "only")
    return launch(world, world.comm.Barrier, world.comm.Ibarrier, None, async_op, "barrier")


@skipped_outside_group
def broadcast(tensor, src, group=None, async_op=False):
    """Copies rank src's tensor into every other rank's tensor."""
    world = resolve_group(group, "broadcast")
    src = check_rank(src, world, "broadcast", "src")
    check_same_metadata(world, tensor, "broadcast")
    buffer, write_back = tensor_buffer(tensor, "broadcast")
    return launch(world, lambda: world.comm.Bcast(buffer, root=src), lambda: world.comm.Ibcast(buffer, root=src),
                  write_back, async_op, "broadcast")


@skipped_outside_group
def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Replaces tensor, on every rank, by op over every rank's tensor."""
    world = resolve_group(group, "all_reduce")
    check_same_metadata(world, tensor, "all_reduce")
    buffer, write_back = tensor_buffer(tensor, "all_reduce")
    MPI, comm = world.MPI, world.comm
    mpi_operation = mpi_op(MPI, op, buffer.dtype, "all_reduce")
    return launch(world, lambda: comm.Allreduce(MPI.IN_PLACE, buffer, op=mpi_operation),
                  lambda: comm.Iallreduce(MPI.IN_PLACE, buffer, op=mpi_operation),
                  steps(average_of(world, buffer, op), write_back), async_op, "all_reduce")


@skipped_outside_group
def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    """Replaces rank dst's tensor by op over every rank's tensor; the others' tensors are left as they were."""
    world = resolve_group(group, "reduce")
    dst = check_rank(dst, world, "reduce", "dst")
    check_same_metadata(world, tensor, "reduce")
    buffer, write_back = tensor_buffer(tensor, "reduce")
    MPI, comm = world.MPI, world.comm
    mpi_operation = mpi_op(MPI, op, buffer.dtype, "reduce")
    if world.rank == dst:
        send, receive, finish = MPI.IN_PLACE, buffer, steps(average_of(world, buffer, op), write_back)
    else:
        send, receive, finish = buffer, None, None
    return launch(world, lambda: comm.Reduce(send, receive, op=mpi_operation, root=dst),
                  lambda: comm.Ireduce(send, receive, op=mpi_operation, root=dst), finish, async_op, "reduce")
