"""The default device: where factories (zeros, randn, nn layers' parameters, ...) allocate when
they are not told, as PyTorch's torch.set_default_device / get_default_device, and
`with chainrule.device("cuda"):` for a block. The value itself lives in the C++ core, so every
factory reads the same one."""
from chainrule import _C


def get_default_device():
    """The device factories use when given none (the CPU unless set)."""
    return _C._get_default_device()


def set_default_device(device):
    """Makes `device` ("cpu", "cuda", "cuda:1", a chainrule.device, or None for the CPU) the device
    factories use when given none. A device this build or machine lacks is a RuntimeError."""
    _C._set_default_device("cpu" if device is None else device)


_entered = []  # the default device before each `with device(...)` block still open


def _enter(self):
    _entered.append(get_default_device())
    set_default_device(self)
    return self


def _exit(self, *exc_info):
    set_default_device(_entered.pop())


_C.device.__enter__ = _enter
_C.device.__exit__ = _exit
