"""chainrule.mps: Apple's Metal backend, which chainrule does not have (see also chainrule.backends.mps);
probes answer as CPU-only PyTorch's."""
from chainrule._absent_accelerator import device_count, is_available, manual_seed  # noqa: F401
from chainrule._missing import missing_attribute_hook as _missing_attribute_hook

__getattr__ = _missing_attribute_hook(__name__, "torch.mps")
