"""Picklable Python objects between ranks, for small things such as an epoch number or a config:
broadcast_object_list, all_gather_object, gather_object and scatter_object_list (mpi4py's
pickle-based bcast/allgather, or the TCP transport's), and send_object_list/recv_object_list
(PyTorch's way: the pickles' sizes, then their bytes, as tensors through send/recv)."""
import pickle

import chainrule as cr
from chainrule.distributed.collectives import check_rank
from chainrule.distributed.point_to_point import recv, send
from chainrule.distributed.process_group import resolve_group, skipped_outside_group

__all__ = ["broadcast_object_list", "all_gather_object", "gather_object", "scatter_object_list", "send_object_list",
           "recv_object_list"]


@skipped_outside_group
def broadcast_object_list(object_list, src=0, group=None, device=None):
    """object_list[:] = rank src's object_list, in place on every rank (lists of the same length)."""
    world = resolve_group(group, "broadcast_object_list")
    src = check_rank(src, world, "broadcast_object_list", "src")
    received = world.comm.bcast(list(object_list) if world.rank == src else None, root=src)
    if len(received) != len(object_list):
        raise ValueError(f"broadcast_object_list: rank {src} sent {len(received)} objects but this rank's list holds "
                         f"{len(object_list)}")
    object_list[:] = received


@skipped_outside_group
def all_gather_object(object_list, obj, group=None):
    """object_list[r] = rank r's obj, on every rank (object_list has world-size entries)."""
    world = resolve_group(group, "all_gather_object")
    if len(object_list) != world.size:
        raise ValueError(f"all_gather_object: object_list must have {world.size} entries (one per rank), "
                         f"got {len(object_list)}")
    object_list[:] = world.comm.allgather(obj)


@skipped_outside_group
def gather_object(obj, object_gather_list=None, dst=0, group=None):
    """On rank dst, object_gather_list[r] = rank r's obj; the other ranks pass None."""
    world = resolve_group(group, "gather_object")
    root = check_rank(dst, world, "gather_object", "dst")
    if world.rank == root and (object_gather_list is None or len(object_gather_list) != world.size):
        raise ValueError(f"gather_object: on rank dst={dst}, object_gather_list must be a list of {world.size} "
                         "entries (one per rank)")
    everyone = world.comm.allgather(obj)
    if world.rank == root:
        object_gather_list[:] = everyone


@skipped_outside_group
def scatter_object_list(scatter_object_output_list, scatter_object_input_list=None, src=0, group=None):
    """scatter_object_output_list[0] = rank src's scatter_object_input_list[r], on each rank r."""
    world = resolve_group(group, "scatter_object_list")
    root = check_rank(src, world, "scatter_object_list", "src")
    if not isinstance(scatter_object_output_list, list) or len(scatter_object_output_list) < 1:
        raise ValueError("scatter_object_list: expected argument scatter_object_output_list to be a list of size "
                         "at least 1.")
    if world.rank == root and len(scatter_object_input_list or ()) != world.size:
        raise ValueError(f"scatter_object_list: on rank src={src}, scatter_object_input_list must have "
                         f"{world.size} entries (one per rank)")
    everything = world.comm.bcast(list(scatter_object_input_list) if world.rank == root else None, root=root)
    scatter_object_output_list[0] = everything[world.rank]


def send_object_list(object_list, dst, group=None, device=None):
    """Sends the objects of object_list to rank dst (which calls recv_object_list with a list as long)."""
    payloads = [pickle.dumps(obj) for obj in object_list]
    send(cr.tensor([len(p) for p in payloads], dtype=cr.int64), dst, group)
    joined = b"".join(payloads)
    send(cr.frombuffer(bytearray(joined), dtype=cr.uint8) if joined else cr.zeros(0, dtype=cr.uint8), dst, group)


def recv_object_list(object_list, src=None, group=None, device=None):
    """Fills object_list with the objects rank src (any rank for None) sent; returns the sender's rank."""
    sizes = cr.zeros(len(object_list), dtype=cr.int64)
    sender = recv(sizes, src, group)
    data = cr.zeros(int(sizes.sum().item()), dtype=cr.uint8)
    recv(data, sender, group)
    raw, at = data.numpy().tobytes(), 0
    for i, size in enumerate(sizes.tolist()):
        object_list[i] = pickle.loads(raw[at:at + size])
        at += size
    return sender

