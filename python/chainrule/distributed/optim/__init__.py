"""chainrule.distributed.optim: torch.distributed.optim's ZeroRedundancyOptimizer (ZeRO stage 1)."""
from chainrule.distributed.optim.zero_redundancy_optimizer import ZeroRedundancyOptimizer  # noqa: F401

from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.distributed.optim")
