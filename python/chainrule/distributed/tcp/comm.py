"""TcpComm: the mpi4py communicator methods chainrule.distributed calls, over the mesh's sockets.

Collectives run one after another on one worker thread, in the order this rank started them (every
rank starts them in the same order, as MPI and PyTorch require), so a blocking call is its
non-blocking twin waited on, and a DDP bucket's all-reduce runs while backward goes on. The
algorithms are the plain ones, right for the few ranks of one machine or a small cluster: a
reduction gathers every contribution at the root and combines them in rank order, so every rank
gets the same bits whatever arrived first, and the root broadcasts the result; an all-gather sends
each piece to every rank. Each collective receives at most one message from each peer, so the
messages of consecutive collectives cannot be confused (a peer's messages arrive in order).
Point-to-point sends go out at once (the peer's reader thread drains them); receives match in
the mailbox by source and tag.
"""
import concurrent.futures
import pickle
import queue
import threading

import numpy as np

from chainrule.distributed.tcp import mpi_names as MPI
from chainrule.distributed.tcp.mailbox import COLLECTIVE, POINT_TO_POINT

__all__ = ["TcpComm"]


class _Worker:
    """One daemon thread running submitted functions in order (a daemon, so that a rank failing while
    a collective waits still exits)."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True, name="chainrule-tcp-collectives").start()

    def _run(self):
        while (job := self._jobs.get()) is not None:
            future, function = job
            try:
                future.set_result(function())
            except BaseException as error:  # noqa: BLE001 -- handed to whoever waits on the future
                future.set_exception(error)

    def submit(self, function):
        future = concurrent.futures.Future()
        self._jobs.put((future, function))
        return future

    def stop(self):
        self._jobs.put(None)


def _bytes_of(array):
    return memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8))


def _fill(array, payload, source, name):
    """Copies a received payload into array (contiguous), which must be exactly as long."""
    target = array.reshape(-1).view(np.uint8)
    if len(payload) != target.nbytes:
        raise RuntimeError(f"{name}: rank {source} sent {len(payload)} bytes where {target.nbytes} were expected")
    target[:] = np.frombuffer(payload, np.uint8)


def _blocking_and_nonblocking(algorithm):
    """(Name, Iname): the algorithm queued on the worker, waited for or handed back as a Request."""
    def blocking(self, *args, **kwargs):
        self._worker.submit(lambda: algorithm(self, *args, **kwargs)).result()

    def nonblocking(self, *args, **kwargs):
        return MPI.of_future(self._worker.submit(lambda: algorithm(self, *args, **kwargs)))

    return blocking, nonblocking


class TcpComm:
    """This rank's communicator over a Mesh (mesh.py); store: the TCPStore to close with it, if any."""

    def __init__(self, mesh, store=None):
        self._mesh, self._store = mesh, store
        self.rank, self.size = mesh.rank, mesh.size
        self._worker = _Worker()

    def Get_rank(self):  # noqa: N802 -- mpi4py's names throughout
        return self.rank

    def Get_size(self):  # noqa: N802
        return self.size

    # --- plumbing of the collectives (on the worker thread) ---
    def _others(self):
        return [r for r in range(self.size) if r != self.rank]

    def _send(self, peer, payload):
        self._mesh.send(peer, COLLECTIVE, 0, payload)

    def _receive(self, peer):
        ticket = self._mesh.mailbox.post(COLLECTIVE, peer, 0)
        self._mesh.mailbox.wait(ticket)
        return ticket.message[3]

    def _array_from(self, peer, like):
        """The next collective payload from peer, as a flat array of like's dtype and size."""
        part = np.empty(like.size, like.dtype)
        _fill(part, self._receive(peer), peer, "collective")
        return part

    def _combine_in_rank_order(self, mine, op, part_of):
        """op over every rank's part in rank order (part_of(r) for the others', mine for this one)."""
        total = None
        for r in range(self.size):
            part = mine.reshape(-1) if r == self.rank else part_of(r)
            if total is None:
                total = part.copy()
            else:
                op(total, part, out=total)
        return total

    # --- the collectives ---
    def _barrier(self):
        if self.rank != 0:
            self._send(0, b"")
            self._receive(0)
            return
        for peer in self._others():
            self._receive(peer)
        for peer in self._others():
            self._send(peer, b"")

    def _bcast(self, buf, root=0):
        if self.rank == root:
            for peer in self._others():
                self._send(peer, _bytes_of(buf))
        else:
            _fill(buf, self._receive(root), root, "broadcast")

    def _reduce(self, sendbuf, recvbuf, op=MPI.SUM, root=0):
        mine = recvbuf if sendbuf is MPI.IN_PLACE else sendbuf
        if self.rank != root:
            self._send(root, _bytes_of(mine))
            return
        recvbuf.reshape(-1)[...] = self._combine_in_rank_order(mine, op, lambda r: self._array_from(r, mine))

    def _allreduce(self, sendbuf, recvbuf, op=MPI.SUM):
        self._reduce(sendbuf, recvbuf, op, 0)
        self._bcast(recvbuf, 0)

    def _allgather(self, sendbuf, recvbuf):
        rows = recvbuf.reshape(self.size, -1)
        rows[self.rank] = sendbuf.reshape(-1)
        for peer in self._others():
            self._send(peer, _bytes_of(sendbuf))
        for peer in self._others():
            _fill(rows[peer], self._receive(peer), peer, "all_gather")

    def _gather(self, sendbuf, recvbuf, root=0):
        if self.rank != root:
            self._send(root, _bytes_of(sendbuf))
            return
        rows = recvbuf.reshape(self.size, -1)
        rows[root] = sendbuf.reshape(-1)
        for peer in self._others():
            _fill(rows[peer], self._receive(peer), peer, "gather")

    def _scatter(self, sendbuf, recvbuf, root=0):
        if self.rank != root:
            _fill(recvbuf, self._receive(root), root, "scatter")
            return
        rows = sendbuf.reshape(self.size, -1)
        for peer in self._others():
            self._send(peer, _bytes_of(rows[peer]))
        recvbuf.reshape(-1)[...] = rows[root]

    def _reduce_scatter_block(self, sendbuf, recvbuf, op=MPI.SUM):
        rows = sendbuf.reshape(self.size, -1)
        for peer in self._others():
            self._send(peer, _bytes_of(rows[peer]))
        recvbuf.reshape(-1)[...] = self._combine_in_rank_order(rows[self.rank], op,
                                                               lambda r: self._array_from(r, rows[self.rank]))

    Barrier, Ibarrier = _blocking_and_nonblocking(_barrier)
    Bcast, Ibcast = _blocking_and_nonblocking(_bcast)
    Reduce, Ireduce = _blocking_and_nonblocking(_reduce)
    Allreduce, Iallreduce = _blocking_and_nonblocking(_allreduce)
    Allgather, Iallgather = _blocking_and_nonblocking(_allgather)
    Gather, Igather = _blocking_and_nonblocking(_gather)
    Scatter, Iscatter = _blocking_and_nonblocking(_scatter)
    Reduce_scatter_block, Ireduce_scatter_block = _blocking_and_nonblocking(_reduce_scatter_block)

    # --- Python objects (pickled, as mpi4py's lowercase methods and PyTorch's *_object functions do) ---
    def bcast(self, obj, root=0):
        def run():
            if self.rank == root:
                payload = pickle.dumps(obj)
                for peer in self._others():
                    self._send(peer, payload)
                return obj
            return pickle.loads(self._receive(root))
        return self._worker.submit(run).result()

    def allgather(self, obj):
        def run():
            payload = pickle.dumps(obj)
            for peer in self._others():
                self._send(peer, payload)
            received = {peer: pickle.loads(self._receive(peer)) for peer in self._others()}
            return [obj if r == self.rank else received[r] for r in range(self.size)]
        return self._worker.submit(run).result()

    # --- point to point ---
    def Isend(self, buf, dest, tag=0):  # noqa: N802
        self._mesh.send(dest, POINT_TO_POINT, tag, _bytes_of(buf))
        return MPI.finished()

    def Irecv(self, buf, source=MPI.ANY_SOURCE, tag=None):  # noqa: N802
        mailbox = self._mesh.mailbox
        ticket = mailbox.post(POINT_TO_POINT, source, tag)
        copied = []

        def finish(timeout_s):
            if not copied:
                if not mailbox.wait(ticket, timeout_s):
                    return False
                _fill(buf, ticket.message[3], ticket.message[1], "recv")
                copied.append(True)
            return True

        return MPI.Request(lambda: finish(0), lambda: finish(None))

    def Probe(self, source=MPI.ANY_SOURCE, tag=None, status=None):  # noqa: N802
        self.Iprobe(source, tag, status, timeout_s=None)

    def Iprobe(self, source=MPI.ANY_SOURCE, tag=None, status=None, timeout_s=0):  # noqa: N802
        found = self._mesh.mailbox.probe(POINT_TO_POINT, source, tag, timeout_s)
        if found is not None and status is not None:
            status.source, status.nbytes = found
        return found is not None

    def Free(self, linger_s=5.0):  # noqa: N802
        """Leaves the group: closes the store (rank 0's server first, so no rank of a later group finds it),
        meets the others at a barrier (bounded), then closes the sockets."""
        if self._store is not None:
            self._store.close()
        try:
            self._worker.submit(self._barrier).result(timeout=linger_s)
        except (RuntimeError, concurrent.futures.TimeoutError):
            pass  # a peer left already: nothing more to say to it
        self._worker.stop()
        self._mesh.close()
