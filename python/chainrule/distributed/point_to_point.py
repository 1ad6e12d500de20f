"""send, recv, isend and irecv: one tensor from one rank to another, as in torch.distributed.

recv first probes the incoming message and raises if its size in bytes differs from the tensor's
(MPI would truncate it or fail with a bare MPI_ERR_TRUNCATE); irecv cannot look ahead, so there a
size mismatch surfaces as MPI's error when the Work is waited on. recv(src=None) takes a message
from any rank and returns the sender's rank, as PyTorch's does.
"""
import datetime
import time

import chainrule as cr

from chainrule.distributed.buffers import tensor_buffer
from chainrule.distributed.collectives import check_rank
from chainrule.distributed.process_group import resolve_group, skipped_outside_group
from chainrule.distributed.work import Work

__all__ = ["send", "recv", "isend", "irecv", "P2POp", "batch_isend_irecv", "monitored_barrier"]

_MONITORED_BARRIER_TAG = 32767  # the largest tag every MPI allows: kept for monitored_barrier's tokens


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


class P2POp:
    """One point-to-point operation for batch_isend_irecv: op is isend or irecv, peer a global rank."""

    def __init__(self, op, tensor, peer=None, group=None, tag=0, group_peer=None):
        if op not in (isend, irecv):
            raise ValueError("Invalid ``op``. Expected ``op`` to be of type ``torch.distributed.isend`` or "
                             "``torch.distributed.irecv``.")
        self.op, self.tensor, self.group, self.tag = op, tensor, group, tag
        self.peer = peer if group_peer is None else resolve_group(group, "P2POp").ranks[group_peer]


def batch_isend_irecv(p2p_op_list):
    """Starts every operation of the list; returns their Works, in order."""
    if not p2p_op_list or not all(isinstance(p, P2POp) for p in p2p_op_list):
        raise ValueError("batch_isend_irecv: expected a non-empty list of P2POp")
    return [p.op(p.tensor, p.peer, p.group, p.tag) for p in p2p_op_list]


@skipped_outside_group
def monitored_barrier(group=None, timeout=None, wait_all_ranks=False):
    """A barrier through rank 0 that names the ranks that did not arrive within timeout (default: the
    group's), as PyTorch's gloo one does: rank 0 raises for the first (or, with wait_all_ranks, every)
    missing rank; the others raise if rank 0 does not release them in time."""
    world = resolve_group(group, "monitored_barrier")
    limit = timeout if timeout is not None else (None if world.timeout_s is None else
                                                 datetime.timedelta(seconds=world.timeout_s))
    token, leader = cr.zeros(1), world.ranks[0]
    if world.rank != 0:
        isend(token, leader, group, _MONITORED_BARRIER_TAG).wait()
        irecv(token, leader, group, _MONITORED_BARRIER_TAG).wait(limit)
        return
    deadline = None if limit is None else time.monotonic() + limit.total_seconds()
    missing = []
    for peer in world.ranks[1:]:
        try:
            remaining = None if deadline is None else datetime.timedelta(seconds=max(0.0, deadline - time.monotonic()))
            irecv(cr.zeros(1), peer, group, _MONITORED_BARRIER_TAG).wait(remaining)
        except RuntimeError:
            missing.append(peer)
            if not wait_all_ranks:
                break
    if missing:
        which = f"Rank {missing[0]}" if len(missing) == 1 else f"Ranks {', '.join(map(str, missing))}"
        raise RuntimeError(f"{which} failed to pass monitoredBarrier in {limit.total_seconds() * 1000:.0f} ms")
    for peer in world.ranks[1:]:
        isend(token, peer, group, _MONITORED_BARRIER_TAG).wait()
