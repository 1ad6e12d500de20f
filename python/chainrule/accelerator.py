"""chainrule.accelerator: torch.accelerator's device-agnostic probing (is there a GPU to use?).

The only accelerator chainrule could use is CUDA, and it has no CUDA tensors yet, so on every
machine `is_available()` is False and `current_accelerator()` is None, as PyTorch answers on a
machine without one; a script then falls back to the CPU.
"""
from chainrule import cuda

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index", "synchronize"]


def is_available():
    """Whether an accelerator can run tensors."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """The accelerator's device type (a chainrule.device), or None when there is none."""
    return None


def device_count():
    """How many accelerator devices there are: 0 without one."""
    return 0


def _no_accelerator():
    raise RuntimeError("Cannot access accelerator device when none is available.")


def current_device_index():
    _no_accelerator()


def synchronize(device=None):
    _no_accelerator()
