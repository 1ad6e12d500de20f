"""chainrule.backends: the switches scripts set at start-up (torch.backends.cudnn.benchmark = True ...).

chainrule has no cuDNN, MPS or TF32 kernels: the flags are kept as settable attributes with
PyTorch's defaults, so scripts that set or read them run, and they change nothing. The CPU
backends answer truthfully: OpenMP is what chainrule parallelises its loops with.
"""
from types import SimpleNamespace

from chainrule.backends import cudnn, mps, cuda  # noqa: F401

__all__ = ["cudnn", "mps", "cuda", "openmp", "mkldnn"]

openmp = SimpleNamespace(is_available=lambda: True)
mkldnn = SimpleNamespace(is_available=lambda: False, enabled=False)
