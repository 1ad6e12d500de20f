"""Padding layers over F.pad: Zero/Constant, Reflection, Replication and Circular, each in 1d, 2d and 3d.

`padding` is stored as PyTorch stores it, (left, right[, top, bottom[, front, back]]), an int
meaning the same on every side; the repr and the input-rank checks are PyTorch's.
"""
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.nn.modules.utils import _ntuple, _pair, _quadruple

__all__ = ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d", "ZeroPad1d", "ZeroPad2d", "ZeroPad3d",
           "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d", "ReplicationPad2d",
           "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d"]

_sextuple = _ntuple(6, "_sextuple")


class _ConstantPadNd(Module):
    """Pads with `value`."""

    expand = staticmethod(_pair)

    def __init__(self, padding, value):
        super().__init__()
        self.padding = self.expand(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with `value`."""


class ConstantPad2d(_ConstantPadNd):
    """Pads the last two dims with `value`."""

    expand = staticmethod(_quadruple)


class ConstantPad3d(_ConstantPadNd):
    """Pads the last three dims with `value`."""

    expand = staticmethod(_sextuple)


class _ZeroPad:
    """A constant pad with value 0.0, repr'd by its padding only."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad1d(_ZeroPad, ConstantPad1d):
    """Pads the last dim with zeros."""


class ZeroPad2d(_ZeroPad, ConstantPad2d):
    """Pads the last two dims with zeros."""


class ZeroPad3d(_ZeroPad, ConstantPad3d):
    """Pads the last three dims with zeros."""


class _ModePadNd(Module):
    """Pads with F.pad's `mode`; `ranks` are the input dims accepted (None: F.pad checks)."""

    mode = ""
    expand = staticmethod(_pair)
    ranks = None

    def __init__(self, padding):
        super().__init__()
        self.padding = self.expand(padding)

    def forward(self, input):
        if self.ranks is not None and input.dim() not in self.ranks:
            raise ValueError(f"expected {self.ranks[0]}D or {self.ranks[1]}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_ModePadNd):
    """Pads the last dim of (C, W) / (N, C, W) with its reflection (the edge not repeated)."""

    mode = "reflect"


class ReflectionPad2d(_ModePadNd):
    """Pads the last two dims of (C, H, W) / (N, C, H, W) with their reflection."""

    mode = "reflect"
    expand = staticmethod(_quadruple)


class ReflectionPad3d(_ModePadNd):
    """Pads the last three dims of (C, D, H, W) / (N, C, D, H, W) with their reflection."""

    mode = "reflect"
    expand = staticmethod(_sextuple)


class ReplicationPad1d(_ModePadNd):
    """Pads the last dim by repeating its edge values."""

    mode = "replicate"


class ReplicationPad2d(_ModePadNd):
    """Pads the last two dims by repeating their edge values."""

    mode = "replicate"
    expand = staticmethod(_quadruple)


class ReplicationPad3d(_ModePadNd):
    """Pads the last three dims by repeating their edge values."""

    mode = "replicate"
    expand = staticmethod(_sextuple)


class CircularPad1d(_ModePadNd):
    """Pads the last dim with wrapped-around values."""

    mode = "circular"
    ranks = (2, 3)


class CircularPad2d(_ModePadNd):
    """Pads the last two dims with wrapped-around values."""

    mode = "circular"
    expand = staticmethod(_quadruple)
    ranks = (3, 4)


class CircularPad3d(_ModePadNd):
    """Pads the last three dims with wrapped-around values."""

    mode = "circular"
    expand = staticmethod(_sextuple)
    ranks = (4, 5)
