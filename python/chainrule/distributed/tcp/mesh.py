"""The TCP transport's connections: one socket between every two ranks, each drained by a reader thread.

Meeting: every rank listens on a free port of its own, publishes host:port in the store, connects
to each lower rank (saying its own rank) and accepts each higher one, so n ranks hold n(n-1)/2
sockets. The host published is this process's address on the interface that reaches the store's
master (the local end of the store connection), so ranks on other machines can dial it.

Messages are framed `<IqQ` (kind, tag, payload length) and the payload; the kind says which
communicator (channel) the message belongs to and whether it is point-to-point or collective. A reader thread per
socket reads whatever arrives as soon as it arrives into the mailbox (mailbox.py), so a sender never
waits for the receiver to ask: two ranks sending large tensors to each other at once cannot
deadlock. When a peer's socket closes (the peer exited or crashed), the reader tells the mailbox,
and every receive waiting on that peer fails with an error naming it.
"""
import socket
import struct
import threading
import time

from chainrule.distributed.tcp.inherited_sockets import owned
from chainrule.distributed.tcp.mailbox import Mailbox
from chainrule.distributed.tcp.socket_io import read_exactly, read_into

__all__ = ["Mesh", "connect_mesh"]

_FRAME = struct.Struct("<IqQ")  # kind, tag, payload bytes
_RANK = struct.Struct("<q")


class _Peer:
    """The socket to one other rank: sends under a lock (frames never interleave), a thread reads."""

    def __init__(self, rank, connection, mailbox):
        self.rank, self.connection, self.mailbox = rank, connection, mailbox
        self.send_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read_forever, daemon=True, name=f"chainrule-tcp-from-{rank}")
        self.reader.start()

    def _read_forever(self):
        why = "closed its connection"
        try:
            while (header := read_exactly(self.connection, _FRAME.size)) is not None:
                kind, tag, size = _FRAME.unpack(header)
                claimed = self.mailbox.claim(kind, self.rank, tag, size)
                if claimed is not None:  # a receive waits with the memory for it: read straight there
                    read = read_into(self.connection, claimed.into)
                    self.mailbox.complete(claimed, kind, self.rank, tag, None if read else "closed its connection")
                    if not read:
                        break
                    continue
                payload = read_exactly(self.connection, size)
                if payload is None:
                    break
                self.mailbox.deliver(kind, self.rank, tag, payload)
        except OSError as error:
            why = f"lost its connection ({error})"
        self.mailbox.close(self.rank, why)

    def send(self, kind, tag, payload):
        frame = _FRAME.pack(kind, tag, payload.nbytes if isinstance(payload, memoryview) else len(payload))
        try:
            with self.send_lock:
                self.connection.sendall(frame)
                self.connection.sendall(payload)
        except OSError as error:
            raise RuntimeError(f"sending to rank {self.rank} failed ({error}): it exited or failed (see its own "
                               "output)") from None


class Mesh:
    """This rank's sockets to every other rank and the mailbox they fill."""

    def __init__(self, rank, size, connections):
        self.rank, self.size = rank, size
        self.mailbox = Mailbox(rank, connections)
        self._peers = {peer: _Peer(peer, connection, self.mailbox) for peer, connection in connections.items()}
        self._channels = 0  # channels handed out: 0 is the default group's

    def new_channel(self):
        """The next message channel (for a new communicator); every rank asks in the same order."""
        self._channels += 1
        return self._channels

    def send(self, peer, kind, tag, payload):
        self._peers[peer].send(kind, tag, payload)

    def close(self, linger_s=2.0):
        """Says goodbye (no more sends), waits up to linger_s for the peers to say theirs, then closes."""
        for peer in self._peers.values():
            try:
                peer.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        deadline = time.monotonic() + linger_s
        for peer in self._peers.values():
            peer.reader.join(max(0.0, deadline - time.monotonic()))
            peer.connection.close()


def _tuned(connection):
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    connection.settimeout(None)
    return owned(connection)


def connect_mesh(store, prefix, rank, size, host, family, timeout_s):
    """The Mesh of rank `rank` among `size`, listening on host (of socket family `family`) and meeting
    through `store` under the keys `prefix`addr/R."""
    listener = socket.create_server((host, 0), family=family, backlog=max(1, size))
    try:
        store.set(f"{prefix}addr/{rank}", f"{host}:{listener.getsockname()[1]}")
        connections = {}
        for lower in range(rank):
            peer_host, peer_port = store.get(f"{prefix}addr/{lower}").decode().rsplit(":", 1)
            connection = socket.create_connection((peer_host, int(peer_port)), timeout=timeout_s)
            connection.sendall(_RANK.pack(rank))
            connections[lower] = _tuned(connection)
        deadline = time.monotonic() + timeout_s
        while len(connections) < size - 1:
            listener.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                missing = sorted(set(range(rank + 1, size)) - set(connections))
                raise RuntimeError(f"init_process_group: rank {rank} timed out after {timeout_s:g} s waiting for "
                                   f"ranks {missing} to connect") from None
            connection.settimeout(timeout_s)
            peer_rank, = _RANK.unpack(bytes(read_exactly(connection, _RANK.size) or b"\xff" * 8))
            if not rank < peer_rank < size or peer_rank in connections:
                connection.close()  # not one of ours (a stray dial, or a rank of another job)
                continue
            connections[peer_rank] = _tuned(connection)
    finally:
        listener.close()
    return Mesh(rank, size, connections)
