"""new_group and the rank translations: PyTorch's subgroups of the default group.

new_group(ranks) is collective: every rank of the default group calls it, in the same order. The
members get a group whose ranks are numbered 0.. in the order of their global ranks (sorted, as
PyTorch's); the others get GroupMember.NON_GROUP_MEMBER, on which collectives warn and return
(process_group.skipped_outside_group). Underneath it is MPI_Comm_split on MPI, and on TCP a
communicator over the same sockets with its own message channel (tcp/comm.py), so a group's
collectives never mix with the default group's. src/dst arguments stay global ranks, as PyTorch's.
"""
import datetime
import os

from chainrule.distributed.process_group import GroupMember, _World, default_group, resolve_group

__all__ = ["new_group", "new_subgroups", "get_global_rank", "get_group_rank", "get_process_group_ranks"]

_made = 0  # groups made so far: their names


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of the given global ranks (None: all of them); NON_GROUP_MEMBER on ranks outside it."""
    global _made
    world = default_group("new_group")
    if use_local_synchronization:
        raise NotImplementedError("new_group: use_local_synchronization=True is not supported; call new_group on "
                                  "every rank (the default)")
    members = sorted(set(range(world.size) if ranks is None else ranks))
    outside = [r for r in members if not isinstance(r, int) or not 0 <= r < world.size]
    if outside:
        raise ValueError(f"new_group: ranks {outside} are not ranks of the default group (0 to {world.size - 1})")
    if timeout is not None and not isinstance(timeout, datetime.timedelta):
        raise TypeError(f"new_group: timeout must be a datetime.timedelta, got {type(timeout).__name__}")
    member = world.rank in members
    comm = world.comm.Split(0 if member else world.MPI.UNDEFINED, world.rank)
    _made += 1
    if not member:
        return GroupMember.NON_GROUP_MEMBER
    group = _World(world.MPI, comm, world.timeout_s if timeout is None else timeout.total_seconds(),
                   world.backend if backend is None else str(backend).lower(), members,
                   group_desc or f"group {_made}")
    world.subgroups.append(group)
    return group


def new_subgroups(group_size=None, group=None, timeout=None, backend=None, pg_options=None, group_desc=None):
    """(this rank's subgroup, every subgroup): the default group cut into consecutive groups of
    group_size ranks (default: the ranks of one machine, LOCAL_WORLD_SIZE)."""
    world = default_group("new_subgroups")
    if group is not None:
        raise NotImplementedError("new_subgroups: group= (subgroups of a subgroup) is not supported")
    if group_size is None:
        group_size = int(os.environ.get("LOCAL_WORLD_SIZE", world.size))
    if group_size <= 0 or world.size % group_size:
        raise ValueError(f"new_subgroups: the world size {world.size} must be divisible by group_size {group_size}")
    subgroups = [new_group(list(range(start, start + group_size)), timeout, backend)
                 for start in range(0, world.size, group_size)]
    return subgroups[world.rank // group_size], subgroups


def get_process_group_ranks(group):
    """The global ranks of the group's members, in group-rank order."""
    return list(resolve_group(group, "get_process_group_ranks").ranks)


def get_global_rank(group, group_rank):
    """The global rank of the group's rank group_rank."""
    ranks = resolve_group(group, "get_global_rank").ranks
    if not 0 <= group_rank < len(ranks):
        raise ValueError(f"get_global_rank: group rank {group_rank} is not part of the group (size {len(ranks)})")
    return ranks[group_rank]


def get_group_rank(group, global_rank):
    """The group rank of global rank global_rank."""
    ranks = resolve_group(group, "get_group_rank").ranks
    if global_rank not in ranks:
        raise ValueError(f"get_group_rank: global rank {global_rank} is not part of the group")
    return ranks.index(global_rank)
