"""Pooling: max, average and adaptive pooling over 1 or 2 spatial dims, and max unpooling, as in
torch.nn.functional.

Inputs are batched (N, C, L) / (N, C, H, W) or unbatched (C, L) / (C, H, W). Max pooling's indices
are int64, flat over each plane (h * W + w), equal to PyTorch's; among equal maxima the first in
row-major window order wins, and a NaN always wins. The kernels and shape checks are in C++
(chainrule._C._nn). max_unpool1d/2d scatter each value to its index in a zero plane (composed, so
the gradient is the matching gather). lp_pool1d/2d are composed from avg/max pooling as PyTorch
composes them.
"""
from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C

__all__ = [
    "max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "avg_pool1d", "avg_pool2d",
    "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool1d_with_indices",
    "adaptive_max_pool2d_with_indices", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "max_unpool1d", "max_unpool2d",
    "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
]


def _ntuple(value, n, name, op):
    """`value` (an int, or a sequence of 1 or n ints) as a list of n ints. As PyTorch: a TypeError for a
    non-int entry, an InvalidArgumentError (a RuntimeError) for a wrong count."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got bool")
    if isinstance(value, int):
        return [value] * n
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {type(value).__name__}") from None
    if not all(isinstance(i, int) and not isinstance(i, bool) for i in items):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if len(items) == 1:
        items = items * n
    if len(items) != n:
        raise _C.InvalidArgumentError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return items


def _window_args(n, op, kernel_size, stride, padding, dilation=1):
    """kernel_size, stride (None or empty: kernel_size), padding and dilation as lists of n ints."""
    kernel = _ntuple(kernel_size, n, "kernel_size", op)
    no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    strides = kernel if no_stride else _ntuple(stride, n, "stride", op)
    return kernel, strides, _ntuple(padding, n, "padding", op), _ntuple(dilation, n, "dilation", op)


def _output_size(input, output_size, n, op):
    """output_size as n ints, a None entry keeping the input's size along that dim."""
    if output_size is None or isinstance(output_size, int):
        sizes = [output_size] * n
    else:
        sizes = list(output_size)
        if len(sizes) == 1:
            sizes = sizes * n
        if len(sizes) != n:
            raise _C.InvalidArgumentError(f"{op}: output_size must be an int or a tuple of {n} ints or None, got "
                                          f"{output_size!r}")
    if input.dim() < n:
        raise RuntimeError(f"{op}: expected a {n + 1}-d or {n + 2}-d input, got shape {tuple(input.shape)}")
    spatial = input.shape[input.dim() - n:]
    return [spatial[i] if s is None else s for i, s in enumerate(sizes)]


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """1-d max pooling over (N, C, L) or (C, L); returns (values, indices)."""
    return _C._nn.max_pool1d_with_indices(input, *_window_args(1, "max_pool1d", kernel_size, stride, padding,
                                                                 dilation), ceil_mode)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """2-d max pooling over (N, C, H, W) or (C, H, W); returns (values, indices)."""
    return _C._nn.max_pool2d_with_indices(input, *_window_args(2, "max_pool2d", kernel_size, stride, padding,
                                                                 dilation), ceil_mode)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """1-d max pooling; with return_indices=True also the int64 indices of the maxima."""
    values, indices = max_pool1d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """2-d max pooling; with return_indices=True also the int64 indices (flat over each H x W plane)."""
    values, indices = max_pool2d_with_indices(input, kernel_size, stride, padding, dilation, ceil_mode)
    return (values, indices) if return_indices else values


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """1-d average pooling over (N, C, L) or (C, L)."""
    kernel, strides, pads, _ = _window_args(1, "avg_pool1d", kernel_size, stride, padding)
    return _C._nn.avg_pool1d(input, kernel, strides, pads, ceil_mode, count_include_pad)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """2-d average pooling over (N, C, H, W) or (C, H, W); divisor_override replaces the window size."""
    kernel, strides, pads, _ = _window_args(2, "avg_pool2d", kernel_size, stride, padding)
    return _C._nn.avg_pool2d(input, kernel, strides, pads, ceil_mode, count_include_pad, divisor_override)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """Adaptive 1-d max pooling to output_size; returns (values, indices)."""
    return _C._nn.adaptive_max_pool1d(input, _output_size(input, output_size, 1, "adaptive_max_pool1d"))


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """Adaptive 2-d max pooling to output_size (None entries keep the input's size); returns (values, indices)."""
    return _C._nn.adaptive_max_pool2d(input, _output_size(input, output_size, 2, "adaptive_max_pool2d"))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-d max pooling; with return_indices=True also the int64 indices."""
    values, indices = adaptive_max_pool1d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-d max pooling; with return_indices=True also the int64 indices."""
    values, indices = adaptive_max_pool2d_with_indices(input, output_size)
    return (values, indices) if return_indices else values


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-d average pooling to output_size."""
    return _C._nn.adaptive_avg_pool1d(input, _output_size(input, output_size, 1, "adaptive_avg_pool1d"))


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-d average pooling to output_size (None entries keep the input's size)."""
    return _C._nn.adaptive_avg_pool2d(input, _output_size(input, output_size, 2, "adaptive_avg_pool2d"))


def _unpool_output_size(input, kernel, stride, padding, output_size):
    """The default (in - 1) * stride + kernel - 2 * padding per dim, or output_size checked against it."""
    n = len(kernel)
    default = [(input.shape[input.dim() - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        sizes = default
    else:
        sizes = output_size[2:] if len(output_size) == n + 2 else output_size
        if len(sizes) != n:
            raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a "
                             f"length of '{len(sizes)}'")
        for d in range(n):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < sizes[d] < high:
                raise ValueError(f'invalid output_size "{sizes}" (dim {d} must be between {low} and {high})')
    for d, size in enumerate(sizes):
        if size < 0:
            raise ValueError(f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                             f"output_size[{d}]={size}")
    return list(sizes)


def _max_unpool(op, n, input, indices, kernel_size, stride, padding, output_size):
    kernel, strides, pads, _ = _window_args(n, op, kernel_size, stride, padding)
    sizes = _unpool_output_size(input, kernel, strides, pads, output_size)
    if indices.dtype != chainrule.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{op}: expected a {n + 1}-d or {n + 2}-d input, got shape {tuple(input.shape)}")
    plane = 1
    for size in sizes:
        plane *= size
    flat_indices = indices.reshape(-1)
    invalid = (flat_indices < 0) | (flat_indices >= plane)
    if invalid.any():  # one host read, as PyTorch's CPU check (its GPU kernel asserts on the device)
        first_invalid = flat_indices[invalid.int().argmax()].item()
        raise RuntimeError(f"Found an invalid max index: {first_invalid} (output volumes are of "
                           f"size {'x'.join(map(str, sizes))})")
    lead = tuple(input.shape[:input.dim() - n])
    values = input.reshape(*lead, -1)
    out = chainrule.zeros(*lead, plane, dtype=input.dtype, device=input.device).scatter(-1, indices.reshape(*lead, -1), values)
    return out.reshape(*lead, *sizes)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool1d: each value goes to its index, everything else is zero."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding, output_size)


@_autocast.float32
def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool2d: each value goes to its (flat, per-plane) index, everything else is zero."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding, output_size)


@_autocast.float32
def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The partial inverse of max_pool3d: each value goes to its (flat, per-volume) index, everything else is zero."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding, output_size)


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, max_pool, avg_pool, window):
    if norm_type == float("inf"):
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu()).mul(window).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p); p = inf is max pooling of |x|."""
    (kernel,) = _ntuple(kernel_size, 1, "kernel_size", "lp_pool1d")
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, max_pool1d, avg_pool1d, kernel)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p); p = inf is max pooling of |x|."""
    kh, kw = _ntuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, max_pool2d, avg_pool2d, kh * kw)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^p)^(1/p); p = inf is max pooling of |x|."""
    from chainrule.nn.functional.volumetric import avg_pool3d, max_pool3d

    kd, kh, kw = _ntuple(kernel_size, 3, "kernel_size", "lp_pool3d")
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, max_pool3d, avg_pool3d, kd * kh * kw)
