"""chainrule.xpu: Intel's XPU backend, which chainrule does not have; probes answer as CPU-only PyTorch's."""
from chainrule._absent_accelerator import device_count, is_available, manual_seed  # noqa: F401
from chainrule._missing import missing_attribute_hook as _missing_attribute_hook

manual_seed_all = manual_seed


def is_initialized():
    return False


def is_bf16_supported(including_emulation=True):
    return False


__getattr__ = _missing_attribute_hook(__name__, "torch.xpu")
