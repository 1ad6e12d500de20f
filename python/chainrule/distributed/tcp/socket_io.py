"""Reading exact byte counts from a socket, for the mesh's frames (mesh.py) and the store's messages
(store_server.py): recv returns what has arrived so far, so both loop until the count is there."""

__all__ = ["read_into", "read_exactly"]


def read_into(connection, view):
    """Fills the byte memoryview from connection; False if it closed first."""
    got, size = 0, view.nbytes
    while got < size:
        n = connection.recv_into(view[got:], min(size - got, 1 << 24))
        if n == 0:
            return False
        got += n
    return True


def read_exactly(connection, size):
    """size bytes from connection (a bytearray), or None if it closed first."""
    data = bytearray(size)
    return data if read_into(connection, memoryview(data)) else None
