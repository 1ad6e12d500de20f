"""chainrule.multiprocessing: torch.multiprocessing's surface over Python's multiprocessing.

Everything multiprocessing exports (Process, Queue, Pool, get_context, set_start_method, cpu_count,
...) is here unchanged, with torch's additions: spawn / start_processes / ProcessContext (spawn.py)
and the sharing-strategy functions below.

What chainrule shares, and how: Tensor.share_memory_() (and nn.Module.share_memory()) moves a CPU
tensor's storage into an anonymous shared-memory file (memfd) mapped MAP_SHARED, in place. A
process forked afterwards (the fork start method, Linux's default) simply inherits the mapping. A
shared tensor pickled by multiprocessing (Process arguments under spawn/forkserver, Queue.put) is
sent as that file's descriptor and mapped again on the other side, so both processes read and
write the same memory (reductions.py). A tensor that is not shared is pickled by value (a copy),
as pickling it anywhere else; torch would move it into shared memory first. GPU tensors are not
sent by CUDA IPC handle: they are pickled by value through the host.

Sharing strategies: chainrule always shares by file descriptor (torch's "file_descriptor"). The
strategy can be set to "file_system", as programs do to avoid running out of descriptors, and is
reported back, but it changes nothing: chainrule keeps one descriptor per shared storage either way.
"""
import multiprocessing
from multiprocessing import *  # noqa: F401,F403

from chainrule.multiprocessing import reductions as _reductions
from chainrule.multiprocessing.spawn import (  # noqa: F401
    ENV_VAR_PARALLEL_START, ProcessContext, ProcessExitedException, ProcessRaisedException,
    SpawnContext, spawn, start_processes)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies"] + multiprocessing.__all__

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"


def set_sharing_strategy(new_strategy):
    """Records the strategy for sharing CPU tensors (one of get_all_sharing_strategies()). chainrule
    shares by file descriptor whatever is set (see the module's docstring)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_sharing_strategy():
    """The strategy last set ("file_descriptor" by default, as torch's on Linux)."""
    return _sharing_strategy


def get_all_sharing_strategies():
    """{"file_descriptor", "file_system"}, as torch's on Linux."""
    return _all_sharing_strategies


def init_reductions():
    """Registers how multiprocessing pickles tensors (done when chainrule is imported, as torch does)."""
    _reductions.init_reductions()


init_reductions()
