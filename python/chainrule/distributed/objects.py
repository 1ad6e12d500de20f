"""broadcast_object_list and all_gather_object: picklable Python objects between ranks (mpi4py's
pickle-based bcast/allgather), for small things such as an epoch number or a config."""
from chainrule.distributed.collectives import check_rank
from chainrule.distributed.process_group import resolve_group, skipped_outside_group

__all__ = ["broadcast_object_list", "all_gather_object"]


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
