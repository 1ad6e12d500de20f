"""Backend names: PyTorch's dist.Backend, and which backends a program may ask init_process_group for.

"gloo" (PyTorch's CPU backend, what mp.spawn and torchrun programs ask for on a CPU) meets at
PyTorch's TCP rendezvous and talks over sockets, or through MPI when an MPI launcher started the
processes; "mpi" is MPI always (rendezvous.py). The device-qualified forms ("cpu:gloo", "cpu:gloo,cuda:nccl")
are read part by part. NCCL is NVIDIA's GPU library: without a GPU it fails as PyTorch's CPU build
does ("doesn't have NCCL built in"). get_backend() answers the name the program asked for.
"""

__all__ = ["Backend", "requested_backend"]

_TRANSPORT_NAMES = ("mpi", "gloo")


class Backend(str):
    """PyTorch's backend names; Backend("GLOO") is the string "gloo" (an unknown name is lowercased)."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    XCCL = "xccl"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError(f"Backend constructor parameter must be string-ish, but got: {type(name)}")
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        return name.lower() if value == Backend.UNDEFINED else value


def _check_part(part, requested):
    name = part.split(":", 1)[-1].strip().lower()
    if name in _TRANSPORT_NAMES:
        return
    if name == Backend.NCCL:
        import chainrule
        if chainrule.cuda.is_available():
            return  # the group runs on MPI or TCP; CUDA tensors are refused by the collectives (docs/distributed.md)
        raise RuntimeError(f"init_process_group: backend {requested!r}: Distributed package doesn't have NCCL built "
                           "in: NCCL is NVIDIA's GPU library and chainrule.cuda.is_available() is False here. For "
                           "CPU tensors ask for backend='gloo' (or 'mpi') (docs/distributed.md)")
    raise ValueError(f"init_process_group: backend {requested!r} is not available in chainrule; it runs 'gloo' and "
                     "'mpi' (CPU tensors): ask for backend='gloo' and start the processes as for PyTorch (mp.spawn, "
                     "or `python -m chainrule.distributed.run --nproc_per_node=N script.py`, torchrun's "
                     "counterpart), or `mpirun -n N python script.py` (docs/distributed.md)")


def requested_backend(backend):
    """The name get_backend() will answer: "mpi" when none was asked for, else the request, lowercased."""
    if backend is None:
        return Backend.MPI
    if not isinstance(backend, str):
        raise TypeError(f"init_process_group: backend must be a string, got {type(backend).__name__}")
    for part in backend.split(","):
        _check_part(part, backend)
    return backend.lower()
