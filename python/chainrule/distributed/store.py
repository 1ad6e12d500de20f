"""PyTorch's key-value stores: Store, TCPStore, PrefixStore, HashStore, and the errors they raise.

A store is where the ranks of a TCP rendezvous meet (init_process_group's env:// and tcp://, or a
store= the program made): rank 0's TCPStore runs the server (store_server.py), every rank's TCPStore
is a client of it, and each rank publishes there the address its peers connect to (tcp/mesh.py).
Programs use stores directly too (`dist.TCPStore(host, port, world_size, is_master)`), with PyTorch's
methods: set, get (waits for the key), add, wait, check, compare_set, append, delete_key, num_keys,
multi_get/multi_set. Values are bytes (a str is stored as its UTF-8); add keeps its counter as
decimal text, as PyTorch's does, so get() of a counter is b"3". Nothing is pickled: a store moves
bytes only, so reading one never runs code.
"""
import datetime
import socket
import threading
import time

from chainrule.distributed.store_server import COMMANDS, StoreServer, StoreTable, read_reply, send_request
from chainrule.distributed.tcp.inherited_sockets import owned

__all__ = ["Store", "TCPStore", "PrefixStore", "HashStore", "DistError", "DistStoreError", "DistNetworkError"]

DEFAULT_TIMEOUT = datetime.timedelta(seconds=300)  # TCPStore's default, as PyTorch's


class DistError(RuntimeError):
    """PyTorch's base class of distributed errors."""


class DistStoreError(DistError):
    """A store operation failed: a key did not appear in time."""


class DistNetworkError(DistError):
    """The store's server could not be reached (or bound)."""


def _seconds(timeout, name):
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    raise TypeError(f"{name}: timeout must be a datetime.timedelta, got {type(timeout).__name__}")


def _as_bytes(value, name):
    if isinstance(value, str):
        return value.encode()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, list) and all(isinstance(v, int) for v in value):
        return bytes(value)  # PyTorch's binding also takes a list of byte values
    raise TypeError(f"{name}: a value must be str or bytes, got {type(value).__name__}")


class Store:
    """The interface every store has; the operations below are each subclass's, the rest built on them."""

    def __init__(self):
        self._timeout_s = DEFAULT_TIMEOUT.total_seconds()

    @property
    def timeout(self):
        return datetime.timedelta(seconds=self._timeout_s)

    def set_timeout(self, timeout):
        self._timeout_s = _seconds(timeout, "Store.set_timeout")

    def multi_get(self, keys):
        return [self.get(key) for key in keys]

    def multi_set(self, keys, values):
        if len(keys) != len(values):
            raise ValueError(f"multi_set: {len(keys)} keys but {len(values)} values")
        for key, value in zip(keys, values):
            self.set(key, value)

    def _request(self, command, *arguments):
        """The reply to a store_server.COMMANDS command (its str arguments encoded): a list of bytes, or None
        (a wait timed out)."""
        return self._run(COMMANDS.index(command), [a.encode() if isinstance(a, str) else a for a in arguments])

    def _run(self, command, items):
        raise NotImplementedError(f"{type(self).__name__} is abstract: use TCPStore, HashStore or PrefixStore")

    def set(self, key, value):
        self._request("set", key, _as_bytes(value, "Store.set"))

    def get(self, key):
        return self._wait_for([key], None, "get")[0]

    def add(self, key, amount):
        return int(self._request("add", key, str(int(amount)).encode())[0])

    def append(self, key, value):
        self._request("append", key, _as_bytes(value, "Store.append"))

    def compare_set(self, key, expected_value, desired_value):
        return self._request("compare_set", key, _as_bytes(expected_value, "Store.compare_set"),
                             _as_bytes(desired_value, "Store.compare_set"))[0]

    def check(self, keys):
        return self._request("check", *keys) == [b"1"]

    def delete_key(self, key):
        return self._request("delete_key", key) == [b"1"]

    def num_keys(self):
        return int(self._request("num_keys")[0])

    def wait(self, keys, timeout=None):
        self._wait_for(list(keys), None if timeout is None else _seconds(timeout, "Store.wait"), "wait")

    def _wait_for(self, keys, timeout_s, name):
        """The keys' values once every key exists; DistStoreError after the timeout."""
        limit = self._timeout_s if timeout_s is None else timeout_s
        reply = self._request("wait", str(limit).encode(), *keys)
        if reply is None:
            raise DistStoreError(f"Store.{name}: wait timeout after {limit * 1000:.0f}ms, keys: "
                                 f"{', '.join(self._shown(k) for k in keys)}")
        return reply

    def _shown(self, key):
        return "/" + key


class TCPStore(Store):
    """A store served over TCP by the process that made it with is_master=True, the others connecting."""

    def __init__(self, host_name, port, world_size=None, is_master=False, timeout=DEFAULT_TIMEOUT,
                 wait_for_workers=True, multi_tenant=False, master_listen_fd=None, use_libuv=True):
        super().__init__()
        self._timeout_s = _seconds(timeout, "TCPStore")
        self.host, self.libuvBackend = host_name, use_libuv
        self._server = None
        if is_master:
            self._server = StoreServer(host_name, port, DistNetworkError)
            port = self._server.port  # port 0 asks for any free one
        self.port = port
        self._lock = threading.Lock()  # one request at a time on the connection
        self._socket = self._connect(host_name, port)
        if world_size is not None:
            self.add("__chainrule_store_joined", 1)
            if is_master and wait_for_workers:
                self._wait_for_workers(world_size)

    def _connect(self, host, port):
        deadline = time.monotonic() + self._timeout_s
        while True:
            try:
                connection = socket.create_connection((host, port), timeout=max(0.1, deadline - time.monotonic()))
                connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                connection.settimeout(None)
                return owned(connection)
            except OSError as error:
                if time.monotonic() > deadline:
                    raise DistNetworkError(f"TCPStore: could not connect to {host}:{port} within "
                                           f"{self._timeout_s:g} s ({error}); is the master (is_master=True, "
                                           "rank 0) running there?") from None
                time.sleep(0.05)

    def _wait_for_workers(self, world_size):
        deadline = time.monotonic() + self._timeout_s
        while (joined := self.add("__chainrule_store_joined", 0)) < world_size:
            if time.monotonic() > deadline:
                raise DistStoreError(f"TCPStore: timed out after {self._timeout_s:g} seconds waiting for clients. "
                                     f"{joined}/{world_size} clients joined.")
            time.sleep(0.01)

    def local_address(self):
        """The address of this process on the interface that reaches the master (what peers can dial)."""
        return self._socket.getsockname()[0]

    def _run(self, command, items):
        with self._lock:
            try:
                send_request(self._socket, command, items)
                return read_reply(self._socket)
            except (OSError, EOFError) as error:
                raise DistNetworkError(f"TCPStore.{COMMANDS[command]}: the connection to {self.host}:{self.port} "
                                       f"failed ({error or 'closed by the server'})") from None

    def close(self):
        """Closes the connection (and stops the server, on the master)."""
        self._socket.close()
        if self._server is not None:
            self._server.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 -- half-built at interpreter exit
            pass


class HashStore(Store):
    """A store inside this process (threads share it): the server's table without the server."""

    def __init__(self):
        super().__init__()
        self._table = StoreTable()

    def _run(self, command, items):
        return self._table.run(command, items)


class PrefixStore(Store):
    """Another store's keys under `prefix/`: PrefixStore("job1", store).set("k", v) sets "job1/k"."""

    def __init__(self, prefix, store):
        super().__init__()
        if not isinstance(store, Store):
            raise TypeError(f"PrefixStore: store must be a chainrule.distributed Store, got {type(store).__name__}")
        self.prefix, self.underlying_store = prefix, store
        self._timeout_s = store._timeout_s

    def _key(self, key):
        return f"{self.prefix}/{key}"

    def _request(self, command, *arguments):
        if command == "wait":  # (timeout, key, key, ...)
            return self.underlying_store._request(command, arguments[0], *map(self._key, arguments[1:]))
        if command == "check":
            return self.underlying_store._request(command, *map(self._key, arguments))
        if command == "num_keys":
            return self.underlying_store._request(command)
        return self.underlying_store._request(command, self._key(arguments[0]), *arguments[1:])

    def _shown(self, key):
        return "/" + self._key(key)
