"""The table behind every store, the TCP server rank 0 runs for it, and their wire format.

A request is a command number and a list of byte strings; a reply is a list of byte strings, or
None (a wait that timed out). On the wire each is a small header and length-prefixed items:
request `<BI` (command, item count), reply `<i` (item count, -1 for None), then each item as `<Q`
(length) and its bytes. The server gives each client connection a thread (socketserver), so a
client waiting for a key never holds up the others; the table's condition wakes the waiters when a
key is written.
"""
import socket
import socketserver
import struct
import threading
import time

from chainrule.distributed.tcp.inherited_sockets import owned
from chainrule.distributed.tcp.socket_io import read_exactly

__all__ = ["COMMANDS", "StoreTable", "StoreServer", "send_request", "read_reply"]

COMMANDS = ("set", "wait", "add", "append", "compare_set", "check", "delete_key", "num_keys")
_REQUEST = struct.Struct("<BI")
_REPLY = struct.Struct("<i")
_LENGTH = struct.Struct("<Q")


def _read_exactly(connection, size):
    data = read_exactly(connection, size)
    if data is None:
        raise EOFError("connection closed")
    return bytes(data)


def _send_items(connection, header, items):
    connection.sendall(header + b"".join(_LENGTH.pack(len(item)) + item for item in items))


def _read_items(connection, count):
    return [_read_exactly(connection, _LENGTH.unpack(_read_exactly(connection, _LENGTH.size))[0])
            for _ in range(count)]


def send_request(connection, command, items):
    _send_items(connection, _REQUEST.pack(command, len(items)), items)


def read_reply(connection):
    count, = _REPLY.unpack(_read_exactly(connection, _REPLY.size))
    return None if count < 0 else _read_items(connection, count)


class StoreTable:
    """The keys and values, and the commands on them (each under one lock; wait sleeps on it)."""

    def __init__(self):
        self._values = {}
        self._changed = threading.Condition()

    def run(self, command, items):
        """The reply to COMMANDS[command] with these items (a list of bytes, or None for a timed-out wait)."""
        name = COMMANDS[command]
        if name == "wait":
            return self._wait(float(items[0]), items[1:])
        with self._changed:
            reply = getattr(self, "_" + name)(*items)
            self._changed.notify_all()
            return reply

    def _wait(self, timeout_s, keys):
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while not all(key in self._values for key in keys):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)
            return [self._values[key] for key in keys]

    def _set(self, key, value):
        self._values[key] = value
        return []

    def _add(self, key, amount):
        total = int(self._values.get(key, b"0")) + int(amount)
        self._values[key] = str(total).encode()
        return [self._values[key]]

    def _append(self, key, value):
        self._values[key] = self._values.get(key, b"") + value
        return []

    def _compare_set(self, key, expected, desired):
        current = self._values.get(key)
        if current is None:
            if expected:  # PyTorch: a missing key is set only when the expected value is empty
                return [expected]
            self._values[key] = desired
            return [desired]
        if current == expected:
            self._values[key] = desired
            return [desired]
        return [current]

    def _check(self, *keys):
        return [b"1" if all(key in self._values for key in keys) else b"0"]

    def _delete_key(self, key):
        return [b"1" if self._values.pop(key, None) is not None else b"0"]

    def _num_keys(self):
        return [str(len(self._values)).encode()]


class _Handler(socketserver.BaseRequestHandler):
    def handle(self):
        connection, table = owned(self.request), self.server.table
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                command, count = _REQUEST.unpack(_read_exactly(connection, _REQUEST.size))
                reply = table.run(command, _read_items(connection, count))
                _send_items(connection, _REPLY.pack(-1 if reply is None else len(reply)), reply or [])
        except (EOFError, OSError):
            return  # the client went away


class _ThreadingServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True  # a port left in TIME_WAIT by the last run binds at once


class StoreServer:
    """The server thread of a master TCPStore, listening on port (0: any free one); host only names it in errors."""

    def __init__(self, host, port, network_error):
        try:
            self._server = _ThreadingServer(("", port), _Handler)  # every interface, as PyTorch's master listens
        except OSError as error:
            raise network_error(f"TCPStore: the master could not listen on {host}:{port} ({error}); is another "
                                "job using that port? Pick another MASTER_PORT") from None
        owned(self._server.socket)
        self._server.table = StoreTable()
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name="chainrule-store-server").start()

    def close(self):
        self._server.shutdown()
        self._server.server_close()
