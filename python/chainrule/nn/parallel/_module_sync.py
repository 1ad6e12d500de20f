"""What DistributedDataParallel keeps equal across ranks outside backward: the parameter list at
construction (same names, shapes and dtypes everywhere) and the values of parameters and buffers,
which rank 0 broadcasts, one flat buffer per dtype rather than one message per tensor. The
construction-time check is a blocking pickled allgather: it does not honour init_process_group's
timeout (the broadcasts do)."""
import numpy as np

from chainrule.distributed.work import launch

__all__ = ["verify_same_parameters", "broadcast_coalesced"]


def verify_same_parameters(world, named_parameters):
    """RuntimeError naming the first parameter whose name, shape or dtype differs from rank 0's."""
    mine = [(name, tuple(p.shape), str(p.dtype)) for name, p in named_parameters]
    everyone = world.comm.allgather(mine)
    for rank, theirs in enumerate(everyone):
        if theirs == everyone[0]:
            continue
        if len(theirs) != len(everyone[0]):
            raise RuntimeError(f"DistributedDataParallel: rank {rank}'s model has {len(theirs)} parameters but rank "
                               f"0's has {len(everyone[0])}; every rank must build the same model")
        first = next(i for i, (a, b) in enumerate(zip(theirs, everyone[0])) if a != b)
        raise RuntimeError(f"DistributedDataParallel: parameter {first} differs across ranks: rank 0 has "
                           f"{everyone[0][first]} and rank {rank} has {theirs[first]} (name, shape, dtype); every rank "
                           "must build the same model")


def broadcast_coalesced(world, tensors, src=0):
    """Copies rank src's values of tensors into every rank's, packed into one broadcast per dtype."""
    if world.size == 1 or not tensors:
        return
    arrays = [t.detach().numpy() for t in tensors]
    for dtype in sorted({a.dtype for a in arrays}, key=str):
        group = [a for a in arrays if a.dtype == dtype]
        flat = np.concatenate([a.reshape(-1) for a in group])
        launch(world, lambda: world.comm.Bcast(flat, root=src), lambda: world.comm.Ibcast(flat, root=src), None,
               False, "DistributedDataParallel (broadcast from rank 0)")
        if world.rank != src:
            offset = 0
            for a in group:
                np.copyto(a, flat[offset:offset + a.size].reshape(a.shape))
                offset += a.size
