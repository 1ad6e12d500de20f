"""torch.nn.modules.instancenorm's import path: the instance-norm classes, defined in normalization.py,
and their base _InstanceNorm."""
from chainrule.nn.modules.lazy import LazyInstanceNorm1d, LazyInstanceNorm2d, LazyInstanceNorm3d  # noqa: F401
from chainrule.nn.modules.normalization import (  # noqa: F401
    _InstanceNorm, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d)

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "LazyInstanceNorm1d", "LazyInstanceNorm2d",
           "LazyInstanceNorm3d"]
