"""The TCP transport's sockets, closed in every forked child (DataLoader workers fork).

A forked child holds copies of its parent's file descriptors. A rank's connections to its peers,
its store connection and rank 0's store listener would stay open as long as any of its forked
DataLoader workers live: a rank that crashed would not look closed to its peers until its last
worker ended, and a later init_process_group could not bind the store's port again. A child
never uses its parent's process group (PyTorch's either), so os.register_at_fork closes the
child's copies; the parent's sockets stay open.
"""
import os
import weakref

__all__ = ["owned"]

_sockets = weakref.WeakSet()


def owned(connection):
    """connection (a socket), registered to be closed in forked children."""
    _sockets.add(connection)
    return connection


def _close_in_child():
    for connection in list(_sockets):
        try:
            connection.close()
        except OSError:
            pass
    _sockets.clear()


os.register_at_fork(after_in_child=_close_in_child)
