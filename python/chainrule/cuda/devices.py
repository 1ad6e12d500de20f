"""chainrule.cuda's device queries and choices, as PyTorch spells them: get_device_properties,
get_device_capability, mem_get_info, is_bf16_supported, set_device and the device/device_of
context managers, init, memory_stats/memory_summary and the deprecated memory aliases.

chainrule uses one GPU per process, cuda:0 (the first of CUDA_VISIBLE_DEVICES): set_device and the
device context managers accept it and refuse another index with a RuntimeError that says how to
choose a GPU. Without a usable GPU the queries raise the core's RuntimeError and the counters read
0 or {}, as PyTorch's do on a machine without CUDA.
"""
import warnings

from chainrule import _C

__all__ = ["get_device_properties", "get_device_capability", "mem_get_info", "is_bf16_supported", "set_device",
           "device", "device_of", "init", "ipc_collect", "memory_stats", "memory_summary",
           "reset_max_memory_allocated", "memory_cached", "max_memory_cached", "OutOfMemoryError"]

OutOfMemoryError = _C.OutOfMemoryError
OutOfMemoryError.__module__ = "chainrule"


def _cuda_index(device, op):
    """The GPU index `device` names (an int, "cuda", "cuda:N", a chainrule.device; None: the current,
    0). Shared by chainrule.cuda's modules."""
    if device is None:
        return 0
    if isinstance(device, int):
        return device
    d = _C.device(device) if isinstance(device, str) else device
    if not isinstance(d, _C.device) or d.type != "cuda":
        raise ValueError(f"chainrule.cuda.{op}: expected a CUDA device, got {device!r}")
    return 0 if d.index is None else d.index


def _available(device, op):
    """The resolved cuda:N that `device` names, checked available (cuda:0 only: one GPU per process)."""
    index = _cuda_index(device, op)
    _C._check_device_available(_C.device("cuda", index), f"chainrule.cuda.{op}")
    return _C.device("cuda", index)


class _CudaDeviceProperties:
    """What get_device_properties reports: name, total_memory (bytes), major, minor,
    multi_processor_count."""

    def __init__(self, name, total_memory, major, minor, multi_processor_count):
        self.name, self.total_memory = name, total_memory
        self.major, self.minor, self.multi_processor_count = major, minor, multi_processor_count

    def __repr__(self):
        return (f"_CudaDeviceProperties(name='{self.name}', major={self.major}, minor={self.minor}, "
                f"total_memory={self.total_memory // (1024 * 1024)}MB, "
                f"multi_processor_count={self.multi_processor_count})")


def get_device_properties(device=None):
    """The GPU's name, memory and compute capability."""
    return _CudaDeviceProperties(*_C._cuda_device_properties(_available(device, "get_device_properties")))


def get_device_capability(device=None):
    """The GPU's compute capability (major, minor), e.g. (9, 0) for an H100."""
    properties = get_device_properties(device)
    return properties.major, properties.minor


def mem_get_info(device=None):
    """(free, total) bytes of the GPU's memory, as the driver counts them (memory chainrule's cache
    holds counts as used)."""
    return tuple(_C._cuda_mem_get_info(_available(device, "mem_get_info")))


def is_bf16_supported(including_emulation=True):
    """Whether bfloat16 code can run on the GPU: True with a usable GPU (chainrule runs bfloat16 as
    float32, chainrule.bfloat16 being float32), False without one, as PyTorch's on a machine without
    CUDA."""
    return _C._cuda_device_count() > 0


def _check_one_gpu(index, op):
    """Accepts cuda:0 (the core refuses another index, saying to use CUDA_VISIBLE_DEVICES)."""
    if index >= 0:
        _C._check_device_available(_C.device("cuda", index), f"chainrule.cuda.{op}")


def set_device(device):
    """Makes `device` the current GPU: cuda:0, the one chainrule uses (a negative index does nothing,
    as in PyTorch)."""
    _check_one_gpu(_cuda_index(device, "set_device"), "set_device")


class device:
    """`with chainrule.cuda.device(d):` runs the block with d current: cuda:0 (None or a negative
    index does nothing, as in PyTorch)."""

    def __init__(self, device):
        self.idx = -1 if device is None else _cuda_index(device, "device")

    def __enter__(self):
        _check_one_gpu(self.idx, "device")

    def __exit__(self, *exc):
        return False


class device_of(device):
    """`with chainrule.cuda.device_of(t):` makes t's GPU current; a CPU tensor changes nothing."""

    def __init__(self, obj):
        super().__init__(obj.get_device() if obj.is_cuda else -1)


def init():
    """Initializes CUDA: chainrule does so at first use; this checks that a GPU is usable."""
    _available(None, "init")


def ipc_collect():
    """Frees memory held for other processes' CUDA IPC handles: chainrule shares none."""


def memory_stats(device=None):
    """The caching allocator's counters under PyTorch's names ({} without a usable GPU, as PyTorch's
    before CUDA is used)."""
    if _C._cuda_device_count() == 0:
        return {}
    stats = _C._cuda_memory_stats(_available(device, "memory_stats"))
    return {"allocated_bytes.all.current": stats["allocated_bytes"],
            "allocated_bytes.all.peak": stats["peak_allocated_bytes"],
            "reserved_bytes.all.current": stats["reserved_bytes"],
            "reserved_bytes.all.peak": stats["peak_reserved_bytes"],
            "num_device_alloc": stats["device_allocations"]}


def memory_summary(device=None, abbreviated=False):
    """A short table of memory_stats(), for printing."""
    stats = memory_stats(device)
    if not stats:
        return "chainrule.cuda.memory_summary: no CUDA device\n"
    mib = 1024 * 1024
    lines = [f"chainrule CUDA memory summary, {_available(device, 'memory_summary')}",
             f"{'':<20}{'current':>14}{'peak':>14}"]
    for label, key in (("allocated", "allocated_bytes"), ("reserved", "reserved_bytes")):
        lines.append(f"{label + ' (MiB)':<20}{stats[key + '.all.current'] / mib:>14.1f}"
                     f"{stats[key + '.all.peak'] / mib:>14.1f}")
    lines.append(f"{'driver allocations':<20}{stats['num_device_alloc']:>14}")
    return "\n".join(lines) + "\n"


def _renamed(old, new):
    warnings.warn(f"`chainrule.cuda.{old}` has been renamed to `chainrule.cuda.{new}`", FutureWarning, stacklevel=3)


def reset_max_memory_allocated(device=None):
    """Deprecated: reset_peak_memory_stats."""
    warnings.warn("chainrule.cuda.reset_max_memory_allocated now calls chainrule.cuda.reset_peak_memory_stats, "
                  "which resets /all/ peak memory stats.", FutureWarning, stacklevel=2)
    if _C._cuda_device_count() > 0:
        _C._cuda_reset_peak_memory_stats(_available(device, "reset_max_memory_allocated"))


def memory_cached(device=None):
    """Deprecated: memory_reserved."""
    _renamed("memory_cached", "memory_reserved")
    return memory_stats(device).get("reserved_bytes.all.current", 0)


def max_memory_cached(device=None):
    """Deprecated: max_memory_reserved."""
    _renamed("max_memory_cached", "max_memory_reserved")
    return memory_stats(device).get("reserved_bytes.all.peak", 0)
