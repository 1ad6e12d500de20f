"""How one failing rank stops the others, instead of leaving them waiting in a collective forever.

init_process_group calls install() when there is more than one rank:
- an uncaught exception: a sys.excepthook prints the traceback, says which rank failed and calls
  MPI_Abort, which makes the launcher stop every rank;
- a rank that exits (sys.exit, or the end of its script) while others still run: an atexit handler
  meets the other ranks at a barrier first (at the end of a normal run they all arrive) and, when
  init_process_group was given a timeout and the others have not arrived within it, aborts. Without
  a timeout it waits, as MPI_Finalize would.
A rank killed by a signal is stopped by the launcher itself. destroy_process_group uninstalls both.
"""
import atexit
import sys

from chainrule.distributed.work import wait_all

__all__ = ["install", "uninstall"]

_installed = None  # (the excepthook that was there before, the exit handler)


def _abort_every_rank(world, why):
    sys.stderr.write(f"chainrule.distributed: rank {world.rank} of {world.size} {why}; calling MPI_Abort so that "
                     "the other ranks stop too\n")
    sys.stderr.flush()
    world.MPI.COMM_WORLD.Abort(1)


def install(world):
    global _installed
    previous = sys.excepthook

    def abort_on_uncaught_exception(exc_type, exc, tb):
        previous(exc_type, exc, tb)
        _abort_every_rank(world, f"stopped on an uncaught {exc_type.__name__}")

    def meet_the_others_at_exit():
        try:
            wait_all(world, [world.comm.Ibarrier()], world.timeout_s, "exit")
        except RuntimeError:
            _abort_every_rank(world, f"is exiting, but the other ranks did not reach their end within the "
                                     f"{world.timeout_s:g} s timeout (they may be waiting for this one)")

    sys.excepthook = abort_on_uncaught_exception
    atexit.register(meet_the_others_at_exit)
    _installed = (previous, meet_the_others_at_exit)


def uninstall():
    global _installed
    if _installed is not None:
        previous, exit_handler = _installed
        sys.excepthook = previous
        atexit.unregister(exit_handler)
        _installed = None
