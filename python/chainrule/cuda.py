"""chainrule.cuda: whether this build can use NVIDIA GPUs."""
from chainrule import _C


def is_available():
    """True when chainrule was compiled with CUDA and a GPU is visible."""
    return _C._cuda_is_compiled() and _C._cuda_device_count() > 0


def device_count():
    return _C._cuda_device_count()
