"""Where init_process_group finds the other ranks: an MPI launcher, or a TCP rendezvous as PyTorch's.

- Under an MPI launcher (mpirun, mpiexec, srun with PMI, `python -m chainrule.distributed.run`:
  their variables are in the environment), or when the program asks for backend "mpi": MPI, with
  the ranks the launcher made (process_group.py checks the program's rank and world_size against them).
- Otherwise PyTorch's rendezvous: rank and world_size from the arguments or from the RANK and
  WORLD_SIZE variables, and a store to meet at: store= (one the program made), init_method=
  "tcp://host:port", or "env://" (the default: MASTER_ADDR and MASTER_PORT). Rank 0 serves the
  store; every rank then connects to every other (tcp/mesh.py). This is how mp.spawn programs and
  programs started by torchrun-style launchers run, with nothing but the Python standard library.
- A program that names none of these (`init_process_group("gloo")` run as `python train.py`) is a
  group of one, as under a launcher that started one process.
"""
import datetime
import itertools
import os
import urllib.parse

from chainrule.distributed import tcp
from chainrule.distributed.store import Store, TCPStore

__all__ = ["launched_by_mpi", "join_tcp"]

# Set in each process by Open MPI's, MPICH's/Hydra's, PMIx's and MVAPICH's launchers (and srun --mpi=...).
_MPI_LAUNCHER_VARIABLES = ("OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MV2_COMM_WORLD_SIZE")
_RENDEZVOUS_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
_DEFAULT_TIMEOUT_S = 1800.0  # PyTorch's default process-group timeout: 30 minutes
_groups_made = itertools.count()  # every rank makes its groups in the same order: their keys' prefix


def launched_by_mpi():
    return any(name in os.environ for name in _MPI_LAUNCHER_VARIABLES)


def _from_environment(name, scheme):
    value = os.environ.get(name)
    if value is None:
        raise ValueError(f"Error initializing torch.distributed using {scheme} rendezvous: environment variable "
                         f"{name} expected, but not set (start the ranks with mp.spawn after setting MASTER_ADDR "
                         "and MASTER_PORT, or with `python -m chainrule.distributed.run --nproc_per_node=N "
                         "script.py`, which sets them all)")
    return value


def _integer(value, name):
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"init_process_group: {name} must be an integer, got {value!r}") from None


def _rank_and_size(rank, world_size, scheme):
    if rank in (-1, None):
        rank = _integer(_from_environment("RANK", scheme), "RANK")
    if world_size in (-1, None):
        world_size = _integer(_from_environment("WORLD_SIZE", scheme), "WORLD_SIZE")
    if world_size < 1 or not 0 <= rank < world_size:
        raise ValueError(f"init_process_group: rank {rank} is not one of world_size {world_size}'s ranks "
                         f"(0 to {world_size - 1})")
    return rank, world_size


def _master(init_method):
    """(host, port, scheme) of the store's master: from tcp://host:port, or MASTER_ADDR/MASTER_PORT."""
    if init_method is not None and init_method.startswith("tcp://"):
        address = urllib.parse.urlparse(init_method)
        if address.hostname is None or address.port is None:
            raise ValueError(f"init_process_group: init_method {init_method!r} must be tcp://host:port")
        return address.hostname, address.port, "tcp://"
    return (_from_environment("MASTER_ADDR", "env://"),
            _integer(_from_environment("MASTER_PORT", "env://"), "MASTER_PORT"), "env://")


def _alone(init_method, world_size, rank, store):
    """True when the program named no rendezvous at all: no store, no tcp://, none of env://'s variables."""
    return (store is None and init_method in (None, "env://") and world_size in (-1, None, 1)
            and rank in (-1, None, 0) and not any(name in os.environ for name in _RENDEZVOUS_VARIABLES))


def join_tcp(init_method, world_size, rank, store, timeout_s):
    """(mpi_names, TcpComm) for this rank: PyTorch's rendezvous (module doc), or a group of one."""
    if init_method is not None and init_method.startswith("file://"):
        raise NotImplementedError("init_process_group: file:// rendezvous is not supported by chainrule; use "
                                  "init_method='tcp://host:port' or env:// (MASTER_ADDR and MASTER_PORT)")
    if _alone(init_method, world_size, rank, store):
        return tcp.alone()
    timeout_s = _DEFAULT_TIMEOUT_S if timeout_s is None else timeout_s
    prefix = f"chainrule_group{next(_groups_made)}/"
    if store is not None:
        if not isinstance(store, Store):
            raise TypeError(f"init_process_group: store must be a chainrule.distributed Store (TCPStore, "
                            f"PrefixStore, HashStore), got {type(store).__name__}")
        if world_size in (-1, None) or rank in (-1, None):
            raise ValueError("init_process_group: with store=, rank and world_size must be given")
        rank, world_size = _rank_and_size(rank, world_size, "store")
        store.set_timeout(datetime.timedelta(seconds=timeout_s))
        return tcp.connect(store, prefix, rank, world_size, timeout_s)
    host, port, scheme = _master(init_method)
    rank, world_size = _rank_and_size(rank, world_size, scheme)
    made = TCPStore(host, port, is_master=rank == 0, timeout=datetime.timedelta(seconds=timeout_s))
    try:
        return tcp.connect(made, prefix, rank, world_size, timeout_s, owned_store=made)
    except BaseException:
        made.close()
        raise
