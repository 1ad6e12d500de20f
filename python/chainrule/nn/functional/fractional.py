"""fractional_max_pool2d (Graham, "Fractional Max-Pooling"), as in torch.nn.functional.

Each (sample, channel) plane is pooled over pseudo-random, overlapping kh x kw windows whose starts
follow ATen's interval sequence from _random_samples (N, C, 2) in [0, 1) (drawn from chainrule's
generator when not given, so they differ from PyTorch's draws; with the same samples the output
and the indices are PyTorch's). The windows are gathered from the flattened planes and reduced
with max, so the gradient is a scatter into the maxima.
"""
import numpy as np

import chainrule
from chainrule import _C
from chainrule.nn.functional.conv import _per_dim

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices"]


def _interval_starts(samples, in_size, out_size, pool):
    """ATen's generate_intervals for every plane: (N, C, out_size) window starts, computed in samples' dtype."""
    starts = np.empty(samples.shape + (out_size,), dtype=np.int64)
    if out_size > 1:
        alpha = samples.dtype.type(in_size - pool) / samples.dtype.type(out_size - 1)
        steps = np.arange(out_size - 1).astype(samples.dtype)
        scaled = ((steps + samples[..., None]) * alpha).astype(np.int64)
        starts[..., :-1] = scaled - (samples * alpha).astype(np.int64)[..., None]
    starts[..., -1] = in_size - pool
    return starts


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W); returns (values, indices flat over each H x W plane)."""
    if output_size is None and output_ratio is None:
        raise ValueError("fractional_max_pool2d requires specifying either an output_size or an output_ratio")
    if input.dim() not in (3, 4):
        raise RuntimeError(f"fractional_max_pool2d(): Expected 3D or 4D tensor, but got: {list(input.shape)}")
    kh, kw = _per_dim(kernel_size, 2, "kernel_size", "fractional_max_pool2d")
    height, width = input.shape[-2], input.shape[-1]
    if output_size is None:
        ratio = list(output_ratio) if isinstance(output_ratio, (list, tuple)) else [output_ratio]
        if len(ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a single Int or tuple of Ints.")
        ratio = ratio * 2 if len(ratio) == 1 else ratio
        out_h, out_w = int(height * ratio[0]), int(width * ratio[1])
    else:
        out_h, out_w = _per_dim(output_size, 2, "output_size", "fractional_max_pool2d")
    for out, pool, size, name in ((out_h, kh, height, "height"), (out_w, kw, width, "width")):
        if out + pool - 1 > size:
            raise RuntimeError(f"fractional_max_pool2d(): pool {name} {pool} too large relative to input {name} {size}")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    if _random_samples is None:
        _random_samples = chainrule.rand(n, c, 2, dtype=input.dtype)
    if _random_samples.dim() != 3 or _random_samples.shape[2] != 2:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to 2; got {_random_samples.shape[-1]}.")
    samples = _random_samples.detach().numpy()
    rows = _interval_starts(samples[..., 1], height, out_h, kh)  # (N, C, out_h); sample 1 is the height's
    cols = _interval_starts(samples[..., 0], width, out_w, kw)
    window_rows = rows[..., :, None, None, None] + np.arange(kh)[:, None]  # (N, C, out_h, 1, kh, 1)
    window_cols = cols[..., None, :, None, None] + np.arange(kw)  # (N, C, 1, out_w, 1, kw)
    flat = (window_rows * width + window_cols).reshape(n, c, -1)
    windows = x.reshape(n, c, height * width).gather(2, _C.from_numpy(flat))
    values, which = windows.reshape(n, c, out_h, out_w, kh * kw).max(-1)
    indices = _C.from_numpy(flat).reshape(n, c, out_h, out_w, kh * kw).gather(4, which.unsqueeze(4)).squeeze(4)
    return (values, indices) if batched else (values.squeeze(0), indices.squeeze(0))


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling; with return_indices=True also the int64 indices of the maxima."""
    values, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio,
                                                         _random_samples=_random_samples)
    return (values, indices) if return_indices else values
