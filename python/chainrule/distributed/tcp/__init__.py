"""The TCP transport: ranks that no MPI launcher started (mp.spawn, torchrun-style launchers, a job
scheduler's script) meet at a store and talk over sockets, as PyTorch's gloo backend does.

connect() builds a rank's communicator: the mesh of sockets (mesh.py) and, over it, the mpi4py
methods the rest of chainrule.distributed calls (comm.py, with mpi_names.py for the module-level
names), so collectives, DistributedDataParallel and the rest run unchanged on either transport.
"""
import socket

from chainrule.distributed.tcp import mpi_names
from chainrule.distributed.tcp.comm import TcpComm
from chainrule.distributed.tcp.mesh import Mesh, connect_mesh

__all__ = ["connect", "alone"]


def _dialable_host(store):
    """This process's address as the store's master sees it (loopback for a store inside this process)."""
    while hasattr(store, "underlying_store"):
        store = store.underlying_store
    address = getattr(store, "local_address", None)
    return address() if address is not None else "127.0.0.1"


def connect(store, prefix, rank, size, timeout_s, owned_store=None):
    """(mpi_names, TcpComm) of rank `rank` among `size`, meeting through `store` under keys `prefix`...;
    owned_store: a store to close when the group ends (the one init_process_group made)."""
    host = _dialable_host(store)
    mesh = connect_mesh(store, prefix, rank, size, host, socket.AF_INET6 if ":" in host else socket.AF_INET,
                        timeout_s)
    return mpi_names, TcpComm(mesh, owned_store)


def alone():
    """(mpi_names, TcpComm) of a group of one: no store, no sockets."""
    return mpi_names, TcpComm(Mesh(0, 1, {}))
