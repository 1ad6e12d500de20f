"""chainrule.cuda: whether this build can use NVIDIA GPUs, and the probing calls every script makes.

chainrule has no CUDA tensors yet (issue 16), so no CUDA memory is ever allocated: the seeding and
cache calls are quiet no-ops and the memory counters read 0, as PyTorch's do before CUDA is used.
Calls that need a device (current_device, synchronize, get_device_name) raise the core's one
RuntimeError for an unavailable device ("chainrule was built without CUDA", "this machine has 0
CUDA device(s)", ...), as the factories and .to() do.
"""
from chainrule import _C

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "current_device", "synchronize", "get_device_name", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "amp"]


def is_available():
    """True when chainrule was compiled with CUDA and a GPU is visible."""
    return _C._cuda_device_count() > 0


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


def _require_device(device, op):
    _C._check_device_available("cuda" if device is None else device, f"chainrule.cuda.{op}")


def current_device():
    _require_device(None, "current_device")


def synchronize(device=None):
    _require_device(device, "synchronize")


def get_device_name(device=None):
    _require_device(device, "get_device_name")


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
