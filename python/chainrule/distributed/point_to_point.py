"""send, recv, isend and irecv: one tensor from one rank to another, as in torch.distributed.

recv first probes the incoming message and raises if its size in bytes differs from the tensor's
(MPI would truncate it or fail with a bare MPI_ERR_TRUNCATE); irecv cannot look ahead, so there a
size mismatch surfaces as MPI's error when the Work is waited on. recv(src=None) takes a message
from any rank and returns the sender's rank, as PyTorch's does.
"""
import time

from chainrule.distributed.buffers import tensor_buffer
from chainrule.distributed.collectives import check_rank
from chainrule.distributed.process_group import resolve_group, skipped_outside_group
from chainrule.distributed.work import Work

__all__ = ["send", "recv", "isend", "irecv"]


def _peer(world, rank, name, role):
    """The group rank of global rank `rank`, which must be another rank of the group."""
    peer = check_rank(rank, world, name, role)
    if peer == world.rank:
        raise ValueError(f"{name}: {role}={rank} is this process's own rank; a rank cannot {name} to itself")
    return peer


@skipped_outside_group
def isend(tensor, dst, group=None, tag=0):
    """Starts sending tensor to rank dst; returns a Work (the tensor must not change until it completes)."""
    world = resolve_group(group, "isend")
    buffer, _ = tensor_buffer(tensor, "isend")
    return Work(world, [world.comm.Isend(buffer, dest=_peer(world, dst, "isend", "dst"), tag=tag)], None, "isend")


@skipped_outside_group
def send(tensor, dst, group=None, tag=0):
    """Sends tensor to rank dst (returns when the tensor may be reused)."""
    isend(tensor, dst, group, tag).wait()


@skipped_outside_group
def irecv(tensor, src=None, group=None, tag=0):
    """Starts receiving into tensor from rank src (any rank if None); returns a Work."""
    world = resolve_group(group, "irecv")
    buffer, write_back = tensor_buffer(tensor, "irecv")
    source = world.MPI.ANY_SOURCE if src is None else _peer(world, src, "irecv", "src")
    return Work(world, [world.comm.Irecv(buffer, source=source, tag=tag)], write_back, "irecv")


def _probe(world, source, tag):
    """The status of the next matching message, waiting for it (up to the group's timeout, if any)."""
    status = world.MPI.Status()
    if world.timeout_s is None:
        world.comm.Probe(source=source, tag=tag, status=status)
        return status
    deadline = time.monotonic() + world.timeout_s
    while not world.comm.Iprobe(source=source, tag=tag, status=status):
        if time.monotonic() > deadline:
            raise RuntimeError(f"recv: timed out after {world.timeout_s:g} s waiting for a message "
                               "(init_process_group's timeout)")
    return status


@skipped_outside_group
def recv(tensor, src=None, group=None, tag=0):
    """Receives into tensor from rank src (any rank if None); returns the sender's rank."""
    world = resolve_group(group, "recv")
    MPI = world.MPI
    buffer, write_back = tensor_buffer(tensor, "recv")
    source = MPI.ANY_SOURCE if src is None else _peer(world, src, "recv", "src")
    status = _probe(world, source, tag)
    incoming = status.Get_count(MPI.BYTE)
    if incoming != buffer.nbytes:
        raise RuntimeError(f"recv: rank {world.ranks[status.Get_source()]} sent {incoming} bytes but the tensor "
                           f"({tensor.dtype} {tuple(tensor.shape)}) holds {buffer.nbytes}; sender and receiver must "
                           "use the same dtype and shape")
    request = world.comm.Irecv(buffer, source=status.Get_source(), tag=tag)
    Work(world, [request], write_back, "recv").wait()
    return world.ranks[status.Get_source()]  # the sender's global rank
