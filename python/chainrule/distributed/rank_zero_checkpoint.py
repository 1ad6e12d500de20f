"""Checkpoints in data-parallel training: saved by one rank, atomically; loaded by every rank.

Every rank holds the same weights after each DistributedDataParallel step, so one rank writes them.
save_checkpoint writes on rank src with chainrule.save, which writes a temporary file beside the
target and renames it over the target (an interrupted save leaves the previous checkpoint whole),
then waits at a barrier so that no rank goes on while the file may still be incomplete.
load_checkpoint reads the file on rank src only and broadcasts its bytes, so the other ranks need no
shared filesystem, and every rank gets the same result or raises the same error (a missing file is
FileNotFoundError everywhere: resume with `try: load_checkpoint(...) except FileNotFoundError:`).
These two are chainrule's; PyTorch leaves this pattern to the user (torch.save on rank 0 + barrier).
"""
import io

import chainrule as cr
from chainrule.distributed.collectives import barrier, check_rank
from chainrule.distributed.process_group import resolve_group

__all__ = ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(obj, path, src=0, group=None):
    """chainrule.save(obj, path) on rank src (atomic), then a barrier on every rank."""
    world = resolve_group(group, "save_checkpoint")
    root = check_rank(src, world, "save_checkpoint", "src")
    failure = None
    if world.rank == root:
        try:
            cr.save(obj, path)
        except Exception as error:  # the others must learn of it instead of waiting at the barrier
            failure = error
    failure = world.comm.bcast(None if failure is None else repr(failure), root=root)
    if failure is not None:
        raise RuntimeError(f"save_checkpoint: rank {src} could not save {path}: {failure}")
    barrier(group)


def load_checkpoint(path, src=0, group=None, **load_args):
    """chainrule.load of rank src's file, on every rank (load_args go to chainrule.load)."""
    world = resolve_group(group, "load_checkpoint")
    root = check_rank(src, world, "load_checkpoint", "src")
    payload = None
    if world.rank == root:
        try:
            with open(path, "rb") as file:
                payload = file.read()
        except OSError as error:
            payload = error
    payload = world.comm.bcast(payload, root=root)
    if isinstance(payload, OSError):
        raise payload
    return cr.load(io.BytesIO(payload), **load_args)
