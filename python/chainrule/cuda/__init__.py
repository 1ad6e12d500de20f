"""chainrule.cuda: whether this build can use NVIDIA GPUs, and the probing calls every script makes.

chainrule has no CUDA tensors yet (issue 16), so no CUDA memory is ever allocated: the seeding and
cache calls are quiet no-ops and the memory counters read 0, as PyTorch's do before CUDA is used.
Calls that need a device (current_device, synchronize, get_device_name) raise PyTorch's errors.
"""
from chainrule import _C

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "current_device", "synchronize", "get_device_name", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "amp"]


def is_available():
    """True when chainrule was compiled with CUDA and a GPU is visible."""
    return _C._cuda_is_compiled() and _C._cuda_device_count() > 0


def device_count():
    """The number of GPUs visible (0 in a CPU-only build)."""
    return _C._cuda_device_count()


def is_initialized():
    """Whether CUDA state was created: never, until chainrule has CUDA tensors."""
    return False


def manual_seed(seed):
    """Seeds the current GPU's generator: silently ignored without CUDA, as in PyTorch."""
    int(seed)  # PyTorch's errors for a seed that is not a number


def manual_seed_all(seed):
    """Seeds every GPU's generator: silently ignored without CUDA, as in PyTorch."""
    int(seed)


def seed():
    """Seeds the current GPU's generator with a random number: ignored without CUDA."""


def seed_all():
    """Seeds every GPU's generator with a random number: ignored without CUDA."""


def _require_device():
    if not _C._cuda_is_compiled():
        raise AssertionError("Torch not compiled with CUDA enabled (chainrule was built without CUDA)")
    if _C._cuda_device_count() == 0:
        raise RuntimeError("No CUDA GPUs are available")
    raise RuntimeError("chainrule has no CUDA tensors yet: see docs/from_pytorch.md")


def current_device():
    _require_device()


def synchronize(device=None):
    _require_device()


def get_device_name(device=None):
    _require_device()


def empty_cache():
    """Releases cached GPU memory: there is none before CUDA is used, so nothing to do."""


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors: 0, as chainrule allocates none yet."""
    return 0


def max_memory_allocated(device=None):
    return 0


def memory_reserved(device=None):
    return 0


def max_memory_reserved(device=None):
    return 0

from chainrule.cuda import amp  # noqa: E402,F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.cuda")
