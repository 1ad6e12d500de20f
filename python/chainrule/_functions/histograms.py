"""histc and histogram: counts of a floating tensor's values in bins, as tensors of input's dtype.
histc takes equal-width bins between min and max (the data's own range when min == max); histogram
takes a number of bins over `range` (or the data's range) or the bin edges themselves, optional
weights and density, and returns the edges too; its counting is NumPy's against those edges (a
value equal to an inner edge falls in the bin to the right, the last edge closes the last bin).
Counting has no gradient.
"""
import math

import numpy as np

from chainrule import _C, return_types
from chainrule._C import Tensor
from chainrule._functions.counting import bincount
from chainrule._functions.host_values import host_values


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


def _edges(values, bins, value_range, dtype):
    """bins + 1 equal-width edges over value_range or the data's range (widened by 0.5 each way when
    that is a single value; [0, 1] for no data), as PyTorch."""
    if value_range is not None:
        low, high = float(value_range[0]), float(value_range[1])
    elif values.numel():
        low, high = values.min().item(), values.max().item()
    else:
        low, high = 0.0, 1.0
    if low > high:
        raise RuntimeError(f"torch.histogramdd: min should not exceed max, but got min {low:g} max {high:g} for "
                           f"dimension 0")
    if not (math.isfinite(low) and math.isfinite(high)):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{low:g}, {high:g}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return _C.linspace(low, high, bins + 1, dtype=dtype)


def histogram(input, bins, *, range=None, weight=None, density=False):
    """(hist, bin_edges): counts (or summed weights; with density, a probability density) of input's
    values in `bins` equal bins, or in the bins between the given edges (a 1-D tensor)."""
    if not input.is_floating_point():
        raise NotImplementedError(f"histogram: not implemented for {input.dtype} tensors (floating point only)")
    values = input.detach().reshape(-1)
    if isinstance(bins, Tensor):
        edges = bins.detach().to(input.dtype)
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogramdd: expected bins to be positive, got {bins}")
        edges = _edges(values, bins, range, input.dtype)
    weights = None if weight is None else host_values(weight.reshape(-1))
    counts, _ = np.histogram(host_values(values), bins=host_values(edges), weights=weights, density=density)
    hist = _C.from_numpy(np.require(counts, requirements="C")).to(input.dtype).to(input.device)
    return return_types.histogram(hist, edges)


Tensor.histc = histc
Tensor.histogram = histogram
