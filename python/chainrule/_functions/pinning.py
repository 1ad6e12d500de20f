"""Pinned (page-locked) host memory, which speeds copies to a GPU: Tensor.pin_memory() and
is_pinned(). Pinning needs an accelerator; without one PyTorch raises, and so does chainrule, with
PyTorch's message (DataLoader's pin_memory=True only warns, as PyTorch's does)."""
from chainrule import accelerator
from chainrule._C import Tensor


def pin_memory(self, device=None):
    if not accelerator.is_available():
        raise RuntimeError("Cannot access accelerator device when none is available.")
    raise RuntimeError("pin_memory: chainrule has no CUDA tensors yet (see docs/from_pytorch.md)")


def is_pinned(self, device=None):
    """Whether the tensor's memory is pinned: never, in chainrule."""
    return False


Tensor.pin_memory = pin_memory
Tensor.is_pinned = is_pinned
