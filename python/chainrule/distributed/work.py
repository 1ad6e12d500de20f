"""Work: the handle an async_op=True collective returns (wait(), is_completed()), over MPI requests.

With async_op=True the operation runs as MPI non-blocking calls (MPI_Iallreduce and the like);
wait() blocks until they finish and then runs what completes the result on this side: dividing for
AVG, copying a non-contiguous tensor's contiguous copy back, unpacking a gathered buffer into a
list. Without it the blocking MPI call runs (Open MPI tunes those better than the non-blocking
ones). With a timeout given to init_process_group, every wait polls its requests and raises after
that many seconds, so a rank that stopped calling collectives fails this one instead of hanging it.
"""
import time

__all__ = ["Work", "launch", "wait_all"]


def wait_all(world, requests, timeout_s, name):
    """Waits for every MPI request; RuntimeError after timeout_s seconds when it is not None."""
    if timeout_s is None:
        world.MPI.Request.Waitall(requests)
        return
    deadline = time.monotonic() + timeout_s
    while not world.MPI.Request.Testall(requests):
        time.sleep(0)  # lets the TCP transport's threads run between polls
        if time.monotonic() > deadline:
            raise RuntimeError(f"{name}: timed out after {timeout_s:g} s waiting for the other ranks "
                               "(init_process_group's timeout)")


class Work:
    """A collective in flight: wait() finishes it (and returns True); is_completed() asks without blocking."""

    def __init__(self, world, requests, finish, name):
        self._world = world
        self._requests = list(requests)
        self._finish = finish
        self._name = name
        self._done = False

    def _complete(self):
        if self._finish is not None:
            self._finish()
        self._done = True

    def wait(self, timeout=None):
        if not self._done:
            limit = timeout.total_seconds() if timeout is not None else self._world.timeout_s
            wait_all(self._world, self._requests, limit, self._name)
            self._complete()
        return True

    def is_completed(self):
        if not self._done and self._world.MPI.Request.Testall(self._requests):
            self._complete()
        return self._done

    def is_success(self):
        return self.is_completed()

    def __repr__(self):
        return f"<Work {self._name}: {'completed' if self._done else 'in flight'}>"


def steps(*functions):
    """One function that runs each of functions that is not None, in order (or None if there are none)."""
    present = [f for f in functions if f is not None]
    if not present:
        return None

    def run_in_order():
        for function in present:
            function()

    return run_in_order


def launch(world, blocking, nonblocking, finish, async_op, name):
    """Runs a collective: blocking() and finish() now (None returned, as PyTorch's collectives return),
    or nonblocking() (which returns an MPI request or a list of them) as a Work for async_op=True."""
    if not async_op and world.timeout_s is None:
        blocking()
        if finish is not None:
            finish()
        return None
    requests = nonblocking()
    work = Work(world, requests if isinstance(requests, list) else [requests], finish, name)
    if async_op:
        return work
    work.wait()
    return None
