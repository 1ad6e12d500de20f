"""The TCP transport's stand-ins for the names of mpi4py's MPI module that chainrule.distributed uses.

collectives.py, work.py, the DDP reducer and the rest were written against mpi4py: world.MPI is
the module (operations, IN_PLACE, Request.Waitall/Testall, Status, COMM_WORLD.Abort), world.comm a
communicator. With a TCP rendezvous, world.MPI is this module and world.comm a TcpComm (comm.py),
so those files run unchanged on either transport. The reduction operations are NumPy ufuncs,
applied in rank order.
"""
import os
import sys

import numpy as np

__all__ = ["IN_PLACE", "ANY_SOURCE", "BYTE", "UNDEFINED", "COMM_NULL", "SUM", "PROD", "MIN", "MAX", "LOR", "LAND",
           "Request", "Status", "COMM_WORLD"]

IN_PLACE = object()  # the receive buffer holds this rank's contribution
ANY_SOURCE = None
BYTE = "byte"  # the only datatype Status.Get_count is asked for
UNDEFINED = -32766  # the Split color of a rank that joins no new communicator (the value is MPI's)
COMM_NULL = None  # what Split gives that rank
SUM, PROD, MIN, MAX, LOR, LAND = np.add, np.multiply, np.minimum, np.maximum, np.logical_or, np.logical_and


class Request:
    """An operation in flight: Test() says whether it finished (raising its error if it failed), Wait() waits."""

    def __init__(self, test, wait):
        self._test, self._wait = test, wait

    def Test(self):  # noqa: N802 -- mpi4py's names
        return self._test()

    def Wait(self):  # noqa: N802
        self._wait()

    @staticmethod
    def Waitall(requests):  # noqa: N802
        for request in requests:
            request.Wait()

    @staticmethod
    def Testall(requests):  # noqa: N802
        return all([request.Test() for request in requests])  # a list: every request is tested


def finished():
    """A Request for an operation that completed as it started."""
    return Request(lambda: True, lambda: None)


def of_future(future):
    """A Request that finishes with a concurrent.futures.Future."""
    def test():
        if future.done():
            future.result()  # raises the operation's error
            return True
        return False

    return Request(test, future.result)


class Status:
    """Where a probed message comes from and how long it is."""

    def __init__(self):
        self.source, self.nbytes = None, 0

    def Get_source(self):  # noqa: N802
        return self.source

    def Get_count(self, datatype=BYTE):  # noqa: N802
        return self.nbytes


class _World:
    @staticmethod
    def Abort(code=1):  # noqa: N802
        """Ends this process at once: its sockets close, and every rank waiting on it fails naming it."""
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(code)


COMM_WORLD = _World()
