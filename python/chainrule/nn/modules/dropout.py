"""Dropout, Dropout1d/2d/3d, AlphaDropout and FeatureAlphaDropout: zero elements (or whole channels)
with probability p while training; identity in eval()."""
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "FeatureAlphaDropout"]


class _DropoutNd(Module):
    """Calls its _functional (F.dropout, ...) as _functional(input, p, training, inplace)."""

    _functional = None  # each subclass: the F function it applies

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return self._functional(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zeros each element with probability p and scales the rest by 1 / (1 - p)."""

    _functional = staticmethod(F.dropout)


class Dropout1d(_DropoutNd):
    """Zeros whole channels of (N, C, L) or (C, L) with probability p."""

    _functional = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zeros whole channels of (N, C, H, W) with probability p."""

    _functional = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zeros whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""

    _functional = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations' mean and variance."""

    _functional = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """AlphaDropout of whole channels."""

    _functional = staticmethod(F.feature_alpha_dropout)
