"""Learning-rate schedulers (torch.optim.lr_scheduler): each step() sets every parameter group's
'lr' by torch's recursive (chainable) formulas, so sequences match torch's to the last bit;
step(epoch) uses the closed form where torch has one. One file per kind of schedule."""
from chainrule.optim.lr_scheduler.base import LRScheduler, _LRScheduler, LambdaLR, MultiplicativeLR  # noqa: F401
from chainrule.optim.lr_scheduler.decay import (ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, ExponentialLR,
                                                LinearLR, MultiStepLR, PolynomialLR, StepLR)
from chainrule.optim.lr_scheduler.composite import ChainedScheduler, SequentialLR
from chainrule.optim.lr_scheduler.plateau import ReduceLROnPlateau
from chainrule.optim.lr_scheduler.cyclic import CyclicLR, OneCycleLR

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
           "ExponentialLR", "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "SequentialLR",
           "ChainedScheduler",
           "ReduceLROnPlateau", "CyclicLR", "OneCycleLR"]

# The classes live in one module, as PyTorch's: programs compare `type(scheduler).__module__` with
# `lr_scheduler.__name__` (d2l's scheduler chapter), and pickles name this module.
for _name in __all__ + ["_LRScheduler"]:
    globals()[_name].__module__ = __name__


from chainrule._missing import missing_attribute_hook as _missing_attribute_hook  # noqa: E402
__getattr__ = _missing_attribute_hook(__name__, "torch.optim.lr_scheduler")
