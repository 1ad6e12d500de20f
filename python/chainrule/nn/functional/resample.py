"""The interpolate modes without a C++ kernel: 'bicubic' (4-d), 'trilinear' (5-d), 'area' and 'nearest-exact'
(3-d to 5-d), 'nearest' on 5-d inputs, and antialias=True for 'bilinear' / 'bicubic' / 'lanczos'.

Every mode resamples each spatial dim independently by a linear map, so the output is the input
multiplied, dim by dim (last dim first, as ATen's kernels sum), by an (out, in) weight matrix built
here in NumPy with ATen's source-index rules: area_pixel_compute_source_index (align_corners,
scale_factor), the cubic convolution coefficients with A = -0.75 and clamped border taps, adaptive
average windows for 'area', floor((dst + 0.5) * scale) for 'nearest-exact', and for antialias ATen's
_compute_indices_weights_aa (a triangle, a = -0.5 cubic or Lanczos-3 filter widened by the downscale
factor, normalized per output). matmul's backward gives
the gradient. The weights are computed in the input's dtype, as ATen does.
"""
import numpy as np

from chainrule import _C
from chainrule.nn.functional._host_tables import table_like

__all__ = []

_CUBIC_A = -0.75


def _scale(in_size, out_size, align_corners, scale_factor):
    """ATen's area_pixel_compute_scale."""
    if align_corners:
        return (in_size - 1) / (out_size - 1) if out_size > 1 else 0.0
    return 1.0 / scale_factor if scale_factor is not None and scale_factor > 0 else in_size / out_size


def _source(dtype, in_size, out_size, align_corners, scale_factor, cubic):
    """ATen's area_pixel_compute_source_index for every output position."""
    scale = dtype.type(_scale(in_size, out_size, align_corners, scale_factor))
    dst = np.arange(out_size).astype(dtype)
    if align_corners:
        return scale * dst
    src = scale * (dst + dtype.type(0.5)) - dtype.type(0.5)
    return src if cubic else np.maximum(src, 0)


def _linear_matrix(dtype, in_size, out_size, align_corners, scale_factor):
    src = _source(dtype, in_size, out_size, align_corners, scale_factor, False)
    low = np.minimum(src.astype(np.int64), in_size - 1)
    high = low + (low < in_size - 1)
    weight_high = src - low.astype(dtype)
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    np.add.at(matrix, (rows, low), 1 - weight_high)
    np.add.at(matrix, (rows, high), weight_high)
    return matrix


def _cubic_matrix(dtype, in_size, out_size, align_corners, scale_factor):
    src = _source(dtype, in_size, out_size, align_corners, scale_factor, True)
    start = np.floor(src)
    t = src - start
    a = dtype.type(_CUBIC_A)
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731  |x| <= 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731  1 < |x| < 2
    coefficients = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    rows = np.arange(out_size)
    for offset, weight in zip(range(-1, 3), coefficients):
        taps = np.clip(start.astype(np.int64) + offset, 0, in_size - 1)  # ATen reads the border for outside taps
        np.add.at(matrix, (rows, taps), weight)
    return matrix


def _nearest_matrix(dtype, in_size, out_size, scale_factor, exact):
    scale = np.float32(1.0 / scale_factor if scale_factor is not None and scale_factor > 0 else in_size / out_size)
    dst = np.arange(out_size).astype(np.float32)
    src = np.floor((dst + np.float32(0.5)) * scale if exact else dst * scale).astype(np.int64)
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    matrix[np.arange(out_size), np.minimum(src, in_size - 1)] = 1
    return matrix


def _area_matrix(dtype, in_size, out_size):
    matrix = np.zeros((out_size, in_size), dtype=dtype)
    for o in range(out_size):
        start, end = (o * in_size) // out_size, -(-((o + 1) * in_size) // out_size)
        matrix[o, start:end] = 1 / (end - start)
    return matrix


def _antialias_matrix(mode, dtype, in_size, out_size, align_corners, scale_factor):
    scale = _scale(in_size, out_size, align_corners, scale_factor)
    half_width = {"bilinear": 1.0, "bicubic": 2.0, "lanczos": 3.0}[mode]
    support = half_width * scale if scale >= 1.0 else half_width
    shrink = 1.0 / scale if scale >= 1.0 else 1.0
    if mode == "bilinear":
        kernel = lambda x: np.maximum(1 - np.abs(x), 0)  # noqa: E731
    elif mode == "lanczos":
        kernel = lambda x: np.where(np.abs(x) < 3, np.sinc(x) * np.sinc(x / 3), 0.0)  # noqa: E731
    else:
        def kernel(x, a=-0.5):
            x = np.abs(x)
            return np.where(x < 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                            np.where(x < 2, (((x - 5) * x + 8) * x - 4) * a, 0.0))
    matrix = np.zeros((out_size, in_size), dtype=np.float64)
    for o in range(out_size):
        center = scale * (o + 0.5)
        low, high = max(int(center - support + 0.5), 0), min(int(center + support + 0.5), in_size)
        weights = kernel((np.arange(low, high) - center + 0.5) * shrink)
        matrix[o, low:high] = weights / weights.sum()
    return matrix.astype(dtype)


def _matrix(mode, dtype, in_size, out_size, align_corners, scale_factor, antialias=False):
    if antialias:
        return _antialias_matrix(mode, dtype, in_size, out_size, align_corners, scale_factor)
    if mode in ("linear", "bilinear", "trilinear"):
        return _linear_matrix(dtype, in_size, out_size, align_corners, scale_factor)
    if mode == "bicubic":
        return _cubic_matrix(dtype, in_size, out_size, align_corners, scale_factor)
    if mode == "area":
        return _area_matrix(dtype, in_size, out_size)
    return _nearest_matrix(dtype, in_size, out_size, scale_factor, mode == "nearest-exact")


def resample(input, output_size, mode, align_corners, scales, antialias=False):
    """input (N, C, *spatial) resampled to output_size by `mode`, one weight matrix per spatial dim."""
    if not input.is_floating_point():
        raise _C.DTypeError(f"interpolate ({mode}): expected a float32 or float64 input, got {input.dtype}")
    spatial = input.dim() - 2
    sizes = list(input.shape[2:])
    if min(sizes + list(output_size)) <= 0:
        raise RuntimeError(f"interpolate ({mode}): input and output sizes should be greater than 0, but got input "
                           f"{tuple(sizes)} and output {tuple(output_size)}")
    dtype = np.dtype(np.float64 if input.dtype == _C.dtype.float64 else np.float32)
    out = input
    for d in reversed(range(spatial)):
        dim = 2 + d
        scale = None if scales is None else scales[d]
        matrix = table_like(_matrix(mode, dtype, input.shape[dim], output_size[d], align_corners, scale, antialias),
                            input)
        out = out.transpose(dim, -1).matmul(matrix.transpose(0, 1)).transpose(dim, -1)
    return out
