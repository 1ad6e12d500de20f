"""TcpComm: the mpi4py communicator methods chainrule.distributed calls, over the mesh's sockets.

Collectives run one at a time, in the order this rank started them (every rank starts them in the
same order, as MPI and PyTorch require): the non-blocking ones on a worker thread, so a DDP bucket's
all-reduce runs while backward goes on, and a blocking one on the caller's thread when nothing is
queued before it (else after the queued ones). The algorithms are direct ones, right for the few
ranks of one machine or a small cluster. An all-reduce splits the buffer into one chunk per rank;
every rank sends each chunk to its owner, which combines the contributions in rank order (so every
rank gets the same bits, whatever arrived first) and sends the result to every rank: each rank sends
and receives 2(n-1)/n of the buffer, as in a ring, in two steps instead of 2(n-1). A reduce gathers
every contribution at the root; an all-gather sends each piece to every rank. A collective posts
its receives before it sends, in the order each peer sends, so the bytes land straight in the
tensor (or a reused scratch buffer) and a peer's messages of consecutive collectives cannot be
confused (they arrive in order, and one collective ends before the next starts). Point-to-point
sends go out at once (the peer's reader thread drains them); receives match in the mailbox by
source and tag.
"""
import concurrent.futures
import pickle
import queue
import threading

import numpy as np

from chainrule.distributed.tcp import mpi_names as MPI
from chainrule.distributed.tcp.mailbox import kind_of

__all__ = ["TcpComm"]


class _Worker:
    """One daemon thread running submitted functions in order (a daemon, so that a rank failing while
    a collective waits still exits). A blocking call with nothing queued before it runs on the
    calling thread instead (run), which spares two thread hand-offs, most of a small collective's time."""

    def __init__(self):
        self._jobs = queue.SimpleQueue()
        self._in_order = threading.Lock()  # held while a function runs, wherever it runs
        self._counting = threading.Lock()  # guards _queued (never held while a function runs)
        self._queued = 0  # submitted and not finished
        threading.Thread(target=self._run, daemon=True, name="chainrule-tcp-collectives").start()

    def _run(self):
        while (job := self._jobs.get()) is not None:
            future, function = job
            with self._in_order:
                try:
                    future.set_result(function())
                except BaseException as error:  # noqa: BLE001 -- handed to whoever waits on the future
                    future.set_exception(error)
                with self._counting:
                    self._queued -= 1

    def submit(self, function):
        future = concurrent.futures.Future()
        with self._counting:
            self._queued += 1
        self._jobs.put((future, function))
        return future

    def run(self, function):
        """function(), after every function submitted before it."""
        with self._in_order:
            with self._counting:
                idle = self._queued == 0
            if idle:
                return function()
        return self.submit(function).result()

    def stop(self):
        self._jobs.put(None)


def _bytes_of(array):
    return memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8))


def _byte_view(array):
    """The bytes of a contiguous array, writable, without a copy."""
    return memoryview(array.reshape(-1).view(np.uint8))


def _fill(array, payload, source, name):
    """Copies a received payload into array (contiguous), which must be exactly as long."""
    target = array.reshape(-1).view(np.uint8)
    if len(payload) != target.nbytes:
        raise RuntimeError(f"{name}: rank {source} sent {len(payload)} bytes where {target.nbytes} were expected")
    target[:] = np.frombuffer(payload, np.uint8)


def _blocking_and_nonblocking(algorithm):
    """(Name, Iname): the algorithm queued on the worker, waited for or handed back as a Request."""
    def blocking(self, *args, **kwargs):
        self._worker.run(lambda: algorithm(self, *args, **kwargs))

    def nonblocking(self, *args, **kwargs):
        return MPI.of_future(self._worker.submit(lambda: algorithm(self, *args, **kwargs)))

    return blocking, nonblocking


class TcpComm:
    """This rank's communicator over a Mesh (mesh.py): the default group's (every rank of the mesh, on
    channel 0; store: the TCPStore to close with it, if any), or a Split's (members: the mesh ranks
    of its ranks, on a channel of its own). Ranks below are the communicator's own."""

    def __init__(self, mesh, store=None, members=None, channel=0):
        self._mesh, self._store = mesh, store
        self._members = list(range(mesh.size)) if members is None else members
        self._owns_mesh = members is None
        self._collective, self._point_to_point = kind_of(channel, True), kind_of(channel, False)
        self.rank, self.size = self._members.index(mesh.rank), len(self._members)
        self._worker = _Worker()
        self._scratch_buffers = {}  # peer -> bytes reused for its contributions to reductions

    def Get_rank(self):  # noqa: N802 -- mpi4py's names throughout
        return self.rank

    def Get_size(self):  # noqa: N802
        return self.size

    # --- plumbing of the collectives (on the worker thread) ---
    def _others(self):
        return [r for r in range(self.size) if r != self.rank]

    def _send(self, peer, payload):
        self._mesh.send(self._members[peer], self._collective, 0, payload)

    def _receive(self, peer):
        ticket = self._mesh.mailbox.post(self._collective, self._members[peer], 0)
        self._mesh.mailbox.wait(ticket)
        return ticket.message[3]

    def _post_into(self, peer, array):
        """A collective receive from peer, posted now, whose bytes land straight in array (contiguous)
        when they arrive after this call. Post a peer's receives in the order it sends."""
        return array, self._mesh.mailbox.post(self._collective, self._members[peer], 0, _byte_view(array))

    def _wait_into(self, posted, peer, name):
        """Waits for a _post_into receive; returns its array, filled."""
        array, ticket = posted
        self._mesh.mailbox.wait(ticket)
        if ticket.message[3] is not ticket.into:  # it had arrived before the receive was posted
            _fill(array, ticket.message[3], peer, name)
        return array

    def _scratch(self, peer, like):
        """A reused array of like's dtype and size for peer's contribution (collectives run one at a time)."""
        buffer = self._scratch_buffers.get(peer)
        if buffer is None or buffer.nbytes < like.nbytes:
            buffer = self._scratch_buffers[peer] = np.empty(like.nbytes, np.uint8)
        return buffer[:like.nbytes].view(like.dtype)

    def _combine_in_rank_order(self, mine, op, parts):
        """op over every rank's part in rank order: parts[r] for the others' (arrays this may overwrite),
        mine for this one (left as it is)."""
        total = None
        for r in range(self.size):
            part = mine.reshape(-1) if r == self.rank else parts[r]
            if total is None:
                total = part.copy() if r == self.rank else part
            else:
                op(total, part, out=total)
        return total

    def _contributions(self, like, name):
        """Posts a receive of every peer's contribution (like's dtype and size) into scratch memory;
        returns the function that waits for them all: {peer: array}."""
        posted = {peer: self._post_into(peer, self._scratch(peer, like.reshape(-1))) for peer in self._others()}
        return lambda: {peer: self._wait_into(posted[peer], peer, name) for peer in posted}

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
            self._wait_into(self._post_into(root, buf), root, "broadcast")

    def _reduce(self, sendbuf, recvbuf, op=MPI.SUM, root=0):
        mine = recvbuf if sendbuf is MPI.IN_PLACE else sendbuf
        if self.rank != root:
            self._send(root, _bytes_of(mine))
            return
        parts = self._contributions(mine, "reduce")()
        recvbuf.reshape(-1)[...] = self._combine_in_rank_order(mine, op, parts)

    def _allreduce(self, sendbuf, recvbuf, op=MPI.SUM):
        mine = (recvbuf if sendbuf is MPI.IN_PLACE else sendbuf).reshape(-1)
        result = recvbuf.reshape(-1)
        bounds = np.linspace(0, mine.size, self.size + 1).astype(np.int64)  # chunk r: bounds[r] to bounds[r + 1]

        def chunk(array, r):
            return array[bounds[r]:bounds[r + 1]]

        own = chunk(mine, self.rank)
        contributions = self._contributions(own, "all_reduce")  # each peer sends its part of my chunk first,
        results = {peer: self._post_into(peer, chunk(result, peer)) for peer in self._others()}  # then its chunk
        for peer in self._others():
            self._send(peer, _bytes_of(chunk(mine, peer)))
        reduced = self._combine_in_rank_order(own, op, contributions())
        chunk(result, self.rank)[...] = reduced
        for peer in self._others():
            self._send(peer, _bytes_of(reduced))
        for peer in self._others():
            self._wait_into(results[peer], peer, "all_reduce")

    def _allgather(self, sendbuf, recvbuf):
        rows = recvbuf.reshape(self.size, -1)
        posted = {peer: self._post_into(peer, rows[peer]) for peer in self._others()}
        rows[self.rank] = sendbuf.reshape(-1)
        for peer in self._others():
            self._send(peer, _bytes_of(sendbuf))
        for peer in self._others():
            self._wait_into(posted[peer], peer, "all_gather")

    def _gather(self, sendbuf, recvbuf, root=0):
        if self.rank != root:
            self._send(root, _bytes_of(sendbuf))
            return
        rows = recvbuf.reshape(self.size, -1)
        rows[root] = sendbuf.reshape(-1)
        for peer in self._others():
            self._wait_into(self._post_into(peer, rows[peer]), peer, "gather")

    def _scatter(self, sendbuf, recvbuf, root=0):
        if self.rank != root:
            self._wait_into(self._post_into(root, recvbuf), root, "scatter")
            return
        rows = sendbuf.reshape(self.size, -1)
        for peer in self._others():
            self._send(peer, _bytes_of(rows[peer]))
        recvbuf.reshape(-1)[...] = rows[root]

    def _reduce_scatter_block(self, sendbuf, recvbuf, op=MPI.SUM):
        rows = sendbuf.reshape(self.size, -1)
        contributions = self._contributions(rows[self.rank], "reduce_scatter")
        for peer in self._others():
            self._send(peer, _bytes_of(rows[peer]))
        recvbuf.reshape(-1)[...] = self._combine_in_rank_order(rows[self.rank], op, contributions())

    def _alltoallv(self, sendspec, recvspec):
        """mpi4py's [array, (counts, displacements)] specs, in elements: piece r of the send array goes
        to rank r, and rank r's piece lands at the r-th place of the receive array."""
        (send, (send_counts, send_at)), (receive, (receive_counts, receive_at)) = sendspec, recvspec
        send, receive = send.reshape(-1), receive.reshape(-1)

        def piece(array, counts, at, r):
            return array[at[r]:at[r] + counts[r]]

        posted = {peer: self._post_into(peer, piece(receive, receive_counts, receive_at, peer))
                  for peer in self._others()}
        for peer in self._others():
            self._send(peer, _bytes_of(piece(send, send_counts, send_at, peer)))
        piece(receive, receive_counts, receive_at, self.rank)[...] = piece(send, send_counts, send_at, self.rank)
        for peer in self._others():
            self._wait_into(posted[peer], peer, "all_to_all")

    Barrier, Ibarrier = _blocking_and_nonblocking(_barrier)
    Bcast, Ibcast = _blocking_and_nonblocking(_bcast)
    Reduce, Ireduce = _blocking_and_nonblocking(_reduce)
    Allreduce, Iallreduce = _blocking_and_nonblocking(_allreduce)
    Allgather, Iallgather = _blocking_and_nonblocking(_allgather)
    Gather, Igather = _blocking_and_nonblocking(_gather)
    Scatter, Iscatter = _blocking_and_nonblocking(_scatter)
    Reduce_scatter_block, Ireduce_scatter_block = _blocking_and_nonblocking(_reduce_scatter_block)
    Alltoallv, Ialltoallv = _blocking_and_nonblocking(_alltoallv)

    # --- Python objects (pickled, as mpi4py's lowercase methods and PyTorch's *_object functions do) ---
    def bcast(self, obj, root=0):
        def run():
            if self.rank == root:
                payload = pickle.dumps(obj)
                for peer in self._others():
                    self._send(peer, payload)
                return obj
            return pickle.loads(self._receive(root))
        return self._worker.run(run)

    def allgather(self, obj):
        def run():
            payload = pickle.dumps(obj)
            for peer in self._others():
                self._send(peer, payload)
            received = {peer: pickle.loads(self._receive(peer)) for peer in self._others()}
            return [obj if r == self.rank else received[r] for r in range(self.size)]
        return self._worker.run(run)

    def Split(self, color=0, key=0):  # noqa: N802
        """The communicator of the ranks that passed the same color, ordered by (key, rank); COMM_NULL
        for color UNDEFINED. Collective: every rank calls it, in the same order."""
        everyone = self.allgather((color, key))
        channel = self._mesh.new_channel()
        if color == MPI.UNDEFINED:
            return MPI.COMM_NULL
        same = sorted((k, r) for r, (c, k) in enumerate(everyone) if c == color)
        return TcpComm(self._mesh, members=[self._members[r] for _, r in same], channel=channel)

    # --- point to point ---
    def _source_of(self, message):
        return self._members.index(message[1])

    def Isend(self, buf, dest, tag=0):  # noqa: N802
        self._mesh.send(self._members[dest], self._point_to_point, tag, _bytes_of(buf))
        return MPI.finished()

    def Irecv(self, buf, source=MPI.ANY_SOURCE, tag=None):  # noqa: N802
        mailbox = self._mesh.mailbox
        ticket = mailbox.post(self._point_to_point, None if source is None else self._members[source], tag,
                              _byte_view(buf))
        copied = []

        def finish(timeout_s):
            if not copied:
                if not mailbox.wait(ticket, timeout_s):
                    return False
                if ticket.message[3] is not ticket.into:  # it had arrived before the receive was posted
                    _fill(buf, ticket.message[3], self._source_of(ticket.message), "recv")
                copied.append(True)
            return True

        return MPI.Request(lambda: finish(0), lambda: finish(None))

    def Probe(self, source=MPI.ANY_SOURCE, tag=None, status=None):  # noqa: N802
        self.Iprobe(source, tag, status, timeout_s=None)

    def Iprobe(self, source=MPI.ANY_SOURCE, tag=None, status=None, timeout_s=0):  # noqa: N802
        found = self._mesh.mailbox.probe(self._point_to_point, None if source is None else self._members[source],
                                         tag, timeout_s)
        if found is not None and status is not None:
            status.source, status.nbytes = self._members.index(found[0]), found[1]
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
        if self._owns_mesh:
            self._mesh.close()
