"""chainrule.accelerator: torch.accelerator's device-agnostic calls, answered by chainrule.cuda.

As in PyTorch, the accelerator is the one chainrule was compiled with: current_accelerator() is
device("cuda") in a CUDA build even on a machine without a GPU (check_available=True adds the
runtime check), and None in a CPU-only build, where every call that needs a device raises
PyTorch's "Cannot access accelerator device when none is available.". Otherwise each call goes to
chainrule.cuda, whose RuntimeError names what is missing (no GPU visible, a bad index).
chainrule's device("cuda") always means GPU 0, so the current device index is 0 and cannot be
switched to another GPU.
"""
from chainrule import _C, cuda
from chainrule._C import device as _device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "set_device_index",
           "device_index", "synchronize", "empty_cache", "memory_allocated", "max_memory_allocated",
           "memory_reserved", "max_memory_reserved", "reset_peak_memory_stats"]


def current_accelerator(check_available=False):
    """device("cuda") when chainrule was compiled with CUDA (and, with check_available, a GPU is
    visible); None otherwise. Its index is None, as in PyTorch."""
    if not _C._cuda_is_compiled():
        return None
    if check_available and not cuda.is_available():
        return None
    return _device("cuda")


def is_available():
    """Whether the accelerator can run tensors: compiled in and at least one GPU visible."""
    return current_accelerator() is not None and cuda.is_available()


def device_count():
    """How many accelerator devices are visible: 0 without one."""
    return cuda.device_count() if current_accelerator() is not None else 0


def _require_accelerator():
    if current_accelerator() is None:
        raise RuntimeError("Cannot access accelerator device when none is available.")


def _device_index(device, optional):
    """torch.accelerator's reading of a device argument: an int, "cuda:N", device("cuda", N), or
    (optional) None / an index-less device for the current index."""
    _require_accelerator()
    if isinstance(device, int):
        return device
    if isinstance(device, str):
        device = _device(device)
    index = None
    if isinstance(device, _device):
        if device.type != "cuda":
            raise ValueError(f"{device.type} doesn't match the current accelerator {current_accelerator()}.")
        index = device.index
    if index is None:
        if not optional:
            raise ValueError(f"Expected a torch.device with a specified index or an integer, but got:{device}")
        return current_device_index()
    return index


def current_device_index():
    """The index of the GPU that device("cuda") means (0); raises without a usable GPU."""
    _require_accelerator()
    return cuda.current_device()


def set_device_index(device, /):
    """Selects the current GPU. A negative index does nothing, as in PyTorch; since chainrule's
    device("cuda") is always GPU 0, any other GPU than the current one is refused."""
    index = _device_index(device, optional=False)
    if index < 0:
        return
    current = current_device_index()
    if index != current:
        _C._check_device_available(f"cuda:{index}", "chainrule.accelerator.set_device_index")
        raise RuntimeError(f"chainrule.accelerator.set_device_index({index}): chainrule's device('cuda') always "
                           f"means cuda:{current}; address another GPU as device('cuda:{index}') instead")


class device_index:
    """Context manager that makes `device` the current GPU inside the block (None: no change)."""

    def __init__(self, device, /):
        self.idx = device
        self.prev_idx = -1

    def __enter__(self):
        if self.idx is not None:
            self.prev_idx = current_device_index()
            set_device_index(self.idx)

    def __exit__(self, *exc_info):
        if self.idx is not None:
            set_device_index(self.prev_idx)


def synchronize(device=None, /):
    """Waits until every kernel and copy queued on the GPU has finished."""
    cuda.synchronize(_device_index(device, optional=True))


def empty_cache():
    """Gives the GPU memory cached for reuse back to the driver."""
    _require_accelerator()
    cuda.empty_cache()


def _memory_stat(read, device):
    return read(_device_index(device, optional=True))


def memory_allocated(device=None, /):
    return _memory_stat(cuda.memory_allocated, device)


def max_memory_allocated(device=None, /):
    return _memory_stat(cuda.max_memory_allocated, device)


def memory_reserved(device=None, /):
    return _memory_stat(cuda.memory_reserved, device)


def max_memory_reserved(device=None, /):
    return _memory_stat(cuda.max_memory_reserved, device)


def reset_peak_memory_stats(device=None, /):
    cuda.reset_peak_memory_stats(_device_index(device, optional=True))
