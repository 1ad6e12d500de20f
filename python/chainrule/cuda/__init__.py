"""chainrule.cuda: whether this build can use NVIDIA GPUs, the probing calls every script makes,
and the GPU memory counters.

GPU memory comes from a caching allocator per device (cpp/core/caching_allocator.h): freed blocks
are kept for reuse, so memory_reserved() stays above memory_allocated() until empty_cache().
Without a usable GPU the counters read 0 and empty_cache does nothing, as PyTorch's do before
CUDA is used. Calls that need a device (current_device, synchronize, get_device_name) raise the
core's one RuntimeError for an unavailable device ("chainrule was built without CUDA", "this
machine has 0 CUDA device(s)", ...), as the factories and .to() do. Random GPU tensors are drawn
from the CPU's generator (so chainrule.manual_seed fixes them, with the CPU's values): the CUDA
seeding calls are accepted and do nothing. FloatTensor, DoubleTensor, LongTensor and BoolTensor are
the legacy GPU tensor types (torch.cuda.FloatTensor & co.).
"""
from chainrule import _C
from chainrule._legacy_tensors import CUDA_TYPES as _CUDA_TYPES

FloatTensor, DoubleTensor = _CUDA_TYPES["FloatTensor"], _CUDA_TYPES["DoubleTensor"]
LongTensor, BoolTensor = _CUDA_TYPES["LongTensor"], _CUDA_TYPES["BoolTensor"]

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "current_device", "synchronize", "get_device_name", "empty_cache", "memory_allocated",
           "max_memory_allocated", "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats", "amp",
           "FloatTensor", "DoubleTensor", "LongTensor", "BoolTensor"]


def is_available():
    """True when chainrule was compiled with CUDA and a GPU is visible."""
    return _C._cuda_device_count() > 0


def device_count():
    """The number of GPUs visible (0 in a CPU-only build)."""
    return _C._cuda_device_count()


def is_initialized():
    """Whether CUDA can be used by this process (chainrule sets it up on first use)."""
    return is_available()


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
    return "cuda" if device is None else device


def current_device():
    """The index of the GPU that `device="cuda"` means: 0."""
    _require_device(None, "current_device")
    return 0


def synchronize(device=None):
    """Waits until every kernel and copy queued on the GPU has finished."""
    _C._cuda_synchronize(_require_device(device, "synchronize"))


def get_device_name(device=None):
    return _C._cuda_device_name(_require_device(device, "get_device_name"))


def _stat(device, name):
    """One counter of the device's caching allocator; 0 without a usable GPU, as in PyTorch."""
    if not is_available():
        return 0
    return _C._cuda_memory_stats(_require_device(device, "memory_stats"))[name]


def empty_cache():
    """Gives the GPU memory cached for reuse (freed tensors' blocks) back to the driver."""
    for index in range(device_count()):
        _C._cuda_empty_cache(index)


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors (in the allocator's size classes)."""
    return _stat(device, "allocated_bytes")


def max_memory_allocated(device=None):
    """The most memory_allocated() has been since the start or reset_peak_memory_stats()."""
    return _stat(device, "peak_allocated_bytes")


def memory_reserved(device=None):
    """Bytes the caching allocator holds from the driver: tensors' blocks and cached free ones."""
    return _stat(device, "reserved_bytes")


def max_memory_reserved(device=None):
    return _stat(device, "peak_reserved_bytes")


def reset_peak_memory_stats(device=None):
    """Starts the peaks of max_memory_allocated/max_memory_reserved again from the current values."""
    if is_available():
        _C._cuda_reset_peak_memory_stats(_require_device(device, "reset_peak_memory_stats"))

from chainrule.cuda import amp  # noqa: E402,F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.cuda")
