"""What CPU-only PyTorch's torch.xpu and torch.mps answer on a machine without that device, for
chainrule.xpu and chainrule.mps (chainrule has neither backend). Programs probe them before choosing a
device (`use_xpu = torch.xpu.is_available()`, `torch.mps.manual_seed(1)`); those probes answer as in
PyTorch. Anything that would need the device is left out, so it raises the missing-name AttributeError."""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """A no-op, as in PyTorch without the device (it would seed the device's generator)."""
    int(seed)
