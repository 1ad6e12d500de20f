"""torch.nn.modules.batchnorm's import path: the batch-norm classes, defined in normalization.py, and
their bases _NormBase and _BatchNorm, which programs test with isinstance (to freeze BN layers)."""
from chainrule.nn.modules.lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d  # noqa: F401
from chainrule.nn.modules.normalization import (  # noqa: F401
    _BatchNorm, _NormBase, BatchNorm1d, BatchNorm2d, BatchNorm3d, SyncBatchNorm)

__all__ = ["BatchNorm1d", "LazyBatchNorm1d", "BatchNorm2d", "LazyBatchNorm2d", "BatchNorm3d", "LazyBatchNorm3d",
           "SyncBatchNorm"]
