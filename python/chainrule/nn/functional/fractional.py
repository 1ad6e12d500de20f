"""fractional_max_pool2d/3d (Graham, "Fractional Max-Pooling"), as in torch.nn.functional.

Each (sample, channel) plane or volume is pooled over pseudo-random, overlapping windows whose starts
follow ATen's interval sequence from _random_samples (N, C, 2 or 3) in [0, 1) (drawn from chainrule's
generator when not given, so they differ from PyTorch's draws; with the same samples the output and
the indices are PyTorch's). The windows are gathered from the flattened planes and reduced with max,
so the gradient is a scatter into the maxima.
"""
import math

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C
from chainrule.nn.functional.conv import _per_dim

__all__ = ["fractional_max_pool2d", "fractional_max_pool2d_with_indices", "fractional_max_pool3d",
           "fractional_max_pool3d_with_indices"]

# which sample of a plane sets each spatial dim's windows, in ATen (2-d: (W, H); 3-d: (T, H, W))
_SAMPLE_OF_DIM = {2: (1, 0), 3: (0, 1, 2)}
_DIM_NAMES = {2: ("height", "width"), 3: ("time", "height", "width")}


def _interval_starts(samples, in_size, out_size, pool):
    """ATen's generate_intervals for every plane: (N, C, out_size) int64 window starts, computed in
    samples' dtype with tensor ops on samples' device (the samples are never read on the host)."""
    last = _C.full((*samples.shape, 1), in_size - pool, dtype=_C.dtype.int64, device=samples.device)
    if out_size == 1:
        return last
    alpha = _C.full((), in_size - pool, dtype=samples.dtype, device=samples.device) / (out_size - 1)
    steps = _C.arange(out_size - 1, dtype=samples.dtype, device=samples.device)
    scaled = ((steps + samples.unsqueeze(-1)) * alpha).to(_C.dtype.int64)
    return _C.cat([scaled - (samples * alpha).to(_C.dtype.int64).unsqueeze(-1), last], -1)


def _output_sizes(op, dims, spatial, output_size, output_ratio):
    if output_size is not None:
        return _per_dim(output_size, dims, "output_size", op)
    ratio = list(output_ratio) if isinstance(output_ratio, (list, tuple)) else [output_ratio]
    if len(ratio) == 1:
        ratio = ratio * dims
    if len(ratio) != dims:
        raise ValueError(f"{op} requires output_ratio to either be a single Int or tuple of Ints.")
    return [int(size * r) for size, r in zip(spatial, ratio)]


def _fractional_max_pool(op, dims, input, kernel_size, output_size, output_ratio, samples):
    if output_size is None and output_ratio is None:
        raise ValueError(f"{op} requires specifying either an output_size or an output_ratio")
    if input.dim() not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: {list(input.shape)}")
    kernel = _per_dim(kernel_size, dims, "kernel_size", op)
    spatial = list(input.shape[-dims:])
    outputs = _output_sizes(op, dims, spatial, output_size, output_ratio)
    for out, pool, size, name in zip(outputs, kernel, spatial, _DIM_NAMES[dims]):
        if out + pool - 1 > size:
            raise RuntimeError(f"{op}(): pool {name} {pool} too large relative to input {name} {size}")
    batched = input.dim() == dims + 2
    x = input if batched else input.unsqueeze(0)
    n, c = x.shape[0], x.shape[1]
    if samples is None:
        samples = chainrule.rand(n, c, dims, dtype=input.dtype, device=input.device)
    if samples.dim() != 3 or samples.shape[2] != dims:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {dims}; got {samples.shape[-1]}.")
    drawn = samples.detach()
    # flat offset of every (output position, window position) in its plane, by broadcasting per dim
    index = _C.zeros((n, c) + (1,) * (2 * dims), dtype=_C.dtype.int64, device=input.device)
    stride = 1
    for d in reversed(range(dims)):
        starts = _interval_starts(drawn[..., _SAMPLE_OF_DIM[dims][d]], spatial[d], outputs[d], kernel[d])
        shape = [n, c] + [1] * (2 * dims)
        shape[2 + d] = outputs[d]
        window_shape = [1] * (2 + 2 * dims)
        window_shape[2 + dims + d] = kernel[d]
        taps = _C.arange(kernel[d], device=input.device).reshape(window_shape)
        index = index + (starts.reshape(shape) + taps) * stride
        stride *= spatial[d]
    index = index.expand(n, c, *outputs, *kernel).reshape(n, c, -1, math.prod(kernel))
    windows = x.reshape(n, c, -1).gather(2, index.reshape(n, c, -1)).reshape(index.shape)
    values, which = windows.max(-1)
    indices = index.gather(3, which.unsqueeze(3)).squeeze(3)
    values, indices = values.reshape(n, c, *outputs), indices.reshape(n, c, *outputs)
    return (values, indices) if batched else (values.squeeze(0), indices.squeeze(0))


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Fractional max pooling of (N, C, H, W) or (C, H, W); returns (values, indices flat over each H x W plane)."""
    return _fractional_max_pool("fractional_max_pool2d", 2, input, kernel_size, output_size, output_ratio,
                                _random_samples)


@_autocast.float32
def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional max pooling; with return_indices=True also the int64 indices of the maxima."""
    values, indices = fractional_max_pool2d_with_indices(input, kernel_size, output_size, output_ratio,
                                                         _random_samples=_random_samples)
    return (values, indices) if return_indices else values


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """Fractional max pooling of (N, C, T, H, W) or (C, T, H, W); returns (values, indices flat per volume)."""
    return _fractional_max_pool("fractional_max_pool3d", 3, input, kernel_size, output_size, output_ratio,
                                _random_samples)


@_autocast.float32
def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Fractional 3-d max pooling; with return_indices=True also the int64 indices of the maxima."""
    values, indices = fractional_max_pool3d_with_indices(input, kernel_size, output_size, output_ratio,
                                                         _random_samples=_random_samples)
    return (values, indices) if return_indices else values
