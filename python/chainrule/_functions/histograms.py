"""histc: counts of a floating tensor's values in equal-width bins between min and max (the data's
own range when min == max), as a tensor of input's dtype. Counting has no gradient.
"""
import math

from chainrule._C import Tensor
from chainrule._functions.counting import bincount


def histc(input, bins=100, min=0, max=0):
    """Counts of input's values in `bins` equal bins over [min, max]; values outside are ignored and
    max itself falls in the last bin. min == max takes the data's range (widened by 1 each way if
    that is a single value)."""
    if not input.is_floating_point():
        raise NotImplementedError(f"histc: not implemented for {input.dtype} tensors (floating point only)")
    if bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins} for dimension 0")
    values = input.detach().reshape(-1)
    low, high = float(min), float(max)
    if low == high and values.numel() > 0:
        low, high = values.min().item(), values.max().item()
    if low == high:
        low, high = low - 1, high + 1
    if low > high:
        raise RuntimeError("torch.histc: max must be larger than min")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{low:g}, {high:g}] is not finite")
    inside = values[(values >= low) & (values <= high)]
    positions = ((inside - low) / (high - low) * bins).long().clamp(max=bins - 1)
    return bincount(positions, minlength=bins).to(input.dtype)


Tensor.histc = histc
