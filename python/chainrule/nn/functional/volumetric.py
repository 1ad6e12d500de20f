"""3-d (volumetric) ops of chainrule.nn.functional: conv3d, conv_transpose3d, max_pool3d, avg_pool3d,
adaptive_avg_pool3d, adaptive_max_pool3d, for (N, C, D, H, W) or unbatched (C, D, H, W) inputs.

Each is composed from its 2-d counterpart applied to every depth slice (the depth folded into the
batch) and a reduction over the depth taps: conv3d sums kd conv2d calls, one per kernel depth;
conv_transpose3d places kd conv_transpose2d results at their strided depths and sums them; the
pools reduce the 2-d pools' outputs over each depth window. The autograd engine derives the
backward. With return_indices=True, max_pool3d and adaptive_max_pool3d instead gather every window
(flat indices per volume, as PyTorch's) and take its max.
"""
import math

import numpy as np

from chainrule.amp import cast_policy as _autocast
import chainrule
from chainrule import _C
from chainrule.nn.functional._host_tables import table_like
from chainrule.nn.functional.conv import _per_dim, conv2d, conv_transpose2d
from chainrule.nn.functional.pool import adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool2d, max_pool2d
from chainrule.nn.functional.pad_interpolate import pad

__all__ = ["conv3d", "conv_transpose3d", "max_pool3d", "max_pool3d_with_indices", "avg_pool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "adaptive_max_pool3d_with_indices"]


def _batched(input, op):
    """input as (N, C, D, H, W) and whether it came without the batch dim."""
    if input.dim() not in (4, 5) or input.numel() == 0:
        raise RuntimeError(f"{op}: non-empty 4D or 5D (batch mode) tensor expected for input, got shape "
                           f"{tuple(input.shape)}")
    return (input.unsqueeze(0), True) if input.dim() == 4 else (input, False)


def _per_slice(x, fn):
    """fn applied to the (N * D, C, H, W) stack of depth slices; returned as (N, C, D, H', W')."""
    n, c, d, h, w = x.shape
    out = fn(x.permute(0, 2, 1, 3, 4).reshape(n * d, c, h, w))
    return out.reshape(n, d, *out.shape[1:]).permute(0, 2, 1, 3, 4)


def _depth_taps(x, kernel, stride, dilation, out_size):
    """The kernel's depth taps of x (N, C, D, H, W): tap k holds the slices k * dilation + stride * o."""
    last = (out_size - 1) * stride + 1
    return [x[:, :, k * dilation:k * dilation + last:stride] for k in range(kernel)]


def _pool_out_size(size, kernel, stride, padding, dilation, ceil_mode):
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (-(-span // stride) if ceil_mode else span // stride) + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


@_autocast.lower_precision
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-d convolution of input (N, C, D, H, W) or (C, D, H, W) by weight (out, C / groups, kd, kh, kw);
    padding may be 'same' or 'valid'."""
    x, unbatched = _batched(input, "conv3d")
    stride, dilation = _per_dim(stride, 3, "stride", "conv3d"), _per_dim(dilation, 3, "dilation", "conv3d")
    if weight.dim() != 5:
        raise RuntimeError(f"conv3d: expected a 5-d weight (out, in / groups, kd, kh, kw), got {tuple(weight.shape)}")
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           "channels instead")
    kernel = list(weight.shape[2:])
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise _C.InvalidArgumentError(f"Invalid padding string '{padding}', should be one of ('valid', 'same')")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
        totals = [d * (k - 1) if padding == "same" else 0 for d, k in zip(dilation, kernel)]
        # PyTorch puts the odd pixel of 'same' padding on the right/bottom/back
        x = pad(x, [side for t in reversed(totals) for side in (t // 2, t - t // 2)])
        padding = [0, 0, 0]
    padding = _per_dim(padding, 3, "padding", "conv3d")
    x = pad(x, (0, 0, 0, 0, padding[0], padding[0]))
    depth = (x.shape[2] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    if depth < 1:
        raise RuntimeError(f"conv3d: the kernel depth {kernel[0]} (dilation {dilation[0]}) exceeds the padded input "
                           f"depth {x.shape[2]}")
    out = None
    for k, tap in enumerate(_depth_taps(x, kernel[0], stride[0], dilation[0], depth)):
        planes = _per_slice(tap, lambda s: conv2d(s, weight[:, :, k], None, stride[1:], padding[1:], dilation[1:],
                                                  groups))
        out = planes if out is None else out + planes
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _spread_depth(planes, stride, offset, length):
    """planes (N, C, D, H, W) moved to depths offset + stride * d of a zero tensor `length` deep."""
    n, c, d, h, w = planes.shape
    if stride > 1:
        gaps = chainrule.zeros(n, c, d, stride - 1, h, w, dtype=planes.dtype, device=planes.device)
        planes = chainrule.cat([planes.unsqueeze(3), gaps], 3).reshape(n, c, d * stride, h, w)
        planes = planes[:, :, :(d - 1) * stride + 1]
    return pad(planes, (0, 0, 0, 0, offset, length - offset - planes.shape[2]))


@_autocast.lower_precision
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-d transposed convolution of input (N, C, D, H, W) or (C, D, H, W) by weight (C, out / groups, kd, kh, kw)."""
    x, unbatched = _batched(input, "conv_transpose3d")
    per_dim = lambda value, name: _per_dim(value, 3, name, "conv_transpose3d")  # noqa: E731
    stride, padding = per_dim(stride, "stride"), per_dim(padding, "padding")
    output_padding, dilation = per_dim(output_padding, "output_padding"), per_dim(dilation, "dilation")
    if weight.dim() != 5 or weight.shape[0] != x.shape[1]:
        raise RuntimeError(f"conv_transpose3d: expected a weight of shape ({x.shape[1]}, out / groups, kd, kh, kw) for "
                           f"an input of {x.shape[1]} channels, got {tuple(weight.shape)}")
    if output_padding[0] >= max(stride[0], dilation[0]):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_depth: {output_padding[0]} stride_depth: {stride[0]} "
                           f"dilation_depth: {dilation[0]}")
    depth, kernel = x.shape[2], weight.shape[2]
    full = (depth - 1) * stride[0] + dilation[0] * (kernel - 1) + 1
    out = None
    for k in range(kernel):
        planes = _per_slice(x, lambda s: conv_transpose2d(s, weight[:, :, k], None, stride[1:], padding[1:],
                                                          output_padding[1:], groups, dilation[1:]))
        placed = _spread_depth(planes, stride[0], k * dilation[0], full)
        out = placed if out is None else out + placed
    # crop the padding from both ends; output_padding adds zeros at the far end first
    out_depth = full - 2 * padding[0] + output_padding[0]
    if out_depth < 1:
        raise RuntimeError(f"conv_transpose3d: the output depth {out_depth} is not positive")
    out = pad(out, (0, 0, 0, 0, 0, output_padding[0]))[:, :, padding[0]:padding[0] + out_depth]
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def _check_pooled_sizes(op, input, kernel, strides, pads, dilation, ceil_mode):
    """An InvalidArgumentError (a ValueError and a RuntimeError) naming op and the input's shape when a
    window does not fit the (padded) input: the same rule and words as the 1-d and 2-d pools."""
    for d in range(3):
        dim = input.dim() - 3 + d
        out = _pool_out_size(input.shape[dim], kernel[d], strides[d], pads[d], dilation[d], ceil_mode)
        if out < 1:
            raise _C.InvalidArgumentError(
                f"{op}: input of shape {tuple(input.shape)} is too small for kernel_size {tuple(kernel)}, stride "
                f"{tuple(strides)}, padding {tuple(pads)} and dilation {tuple(dilation)}: the output would have "
                f"size {out} along dim {dim}")


def _window3d(op, kernel_size, stride, padding, dilation=1):
    kernel = _per_dim(kernel_size, 3, "kernel_size", op)
    no_stride = stride is None or (not isinstance(stride, int) and len(stride) == 0)
    strides = kernel if no_stride else _per_dim(stride, 3, "stride", op)
    return kernel, strides, _per_dim(padding, 3, "padding", op), _per_dim(dilation, 3, "dilation", op)


def _lowest(x):
    """What never wins a max over x's values: -inf, or int64's minimum for an integer x."""
    return float("-inf") if x.is_floating_point() else int(np.iinfo(np.int64).min)


def _max_over_windows(x, positions, valid):
    """The max of x (N, C, D, H, W) over windows given per dim by positions (out, K) and their validity;
    returns (values (N, C, *outs), int64 indices flat over each D x H x W volume). A window with no
    valid tap (dilation stepping over the input) is -inf at PyTorch's index, its first non-negative
    tap per dim, possibly outside the volume; the gather by where() gives it no gradient."""
    n, c, spatial = x.shape[0], x.shape[1], x.shape[2:]
    flat, inside, stride = np.zeros((1,) * 6, dtype=np.int64), np.ones((1,) * 6, dtype=bool), 1
    first = np.zeros((1,) * 3, dtype=np.int64)
    for d in reversed(range(3)):
        shape = [1] * 6
        shape[d], shape[3 + d] = positions[d].shape
        flat = flat + np.clip(positions[d], 0, spatial[d] - 1).reshape(shape) * stride
        inside = inside & valid[d].reshape(shape)
        first_tap = np.where(positions[d] >= 0, positions[d], np.iinfo(np.int64).max).min(1)
        first = first + first_tap.reshape(shape[:3]) * stride
        stride *= spatial[d]
    outs = [p.shape[0] for p in positions]
    full = tuple(outs) + tuple(p.shape[1] for p in positions)
    flat = np.array(np.broadcast_to(flat, full)).reshape(int(np.prod(outs)), -1)
    inside = np.array(np.broadcast_to(inside, full)).reshape(flat.shape)
    index = table_like(flat, x)
    windows = x.reshape(n, c, -1).gather(2, index.reshape(1, 1, -1).expand(n, c, flat.size)).reshape(n, c, *flat.shape)
    windows = _C.where(table_like(inside, x), windows, _lowest(x))
    values, which = windows.max(-1)
    indices = index.expand(n, c, *flat.shape).gather(3, which.unsqueeze(3)).squeeze(3)
    reads_nothing = table_like(~inside.any(1), x)
    indices = _C.where(reads_nothing, table_like(np.broadcast_to(first, outs).reshape(-1), x), indices)
    return values.reshape(n, c, *outs), indices.reshape(n, c, *outs)


def _unbatch(result, unbatched):
    return tuple(r.squeeze(0) for r in result) if unbatched else result


@_autocast.float32
def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """3-d max pooling over (N, C, D, H, W) or (C, D, H, W); with return_indices=True also the int64 indices."""
    x, unbatched = _batched(input, "max_pool3d")
    kernel, strides, pads, dilation = _window3d("max_pool3d", kernel_size, stride, padding, dilation)
    if pads[0] * 2 > dilation[0] * (kernel[0] - 1) + 1:
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pads[0]}, "
                           f"kernel_size={kernel[0]} and dilation={dilation[0]}")
    _check_pooled_sizes("max_pool3d", input, kernel, strides, pads, dilation, ceil_mode)
    if return_indices:
        positions, valid = [], []
        for d in range(3):
            out = _pool_out_size(x.shape[2 + d], kernel[d], strides[d], pads[d], dilation[d], ceil_mode)
            taps = np.arange(out)[:, None] * strides[d] - pads[d] + np.arange(kernel[d]) * dilation[d]
            positions.append(taps)
            valid.append((taps >= 0) & (taps < x.shape[2 + d]))
        return _unbatch(_max_over_windows(x, positions, valid), unbatched)
    planes = _per_slice(x, lambda s: max_pool2d(s, kernel[1:], strides[1:], pads[1:], dilation[1:], ceil_mode))
    depth = _pool_out_size(x.shape[2], kernel[0], strides[0], pads[0], dilation[0], ceil_mode)
    reach = (depth - 1) * strides[0] + dilation[0] * (kernel[0] - 1) + 1
    planes = pad(planes, (0, 0, 0, 0, pads[0], max(pads[0], reach - x.shape[2] - pads[0])), value=_lowest(x))
    taps = _depth_taps(planes, kernel[0], strides[0], dilation[0], depth)
    out = chainrule.stack(taps, 0).max(0)[0]
    return out.squeeze(0) if unbatched else out


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):
    """3-d max pooling; returns (values, indices flat over each D x H x W volume)."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def _window_counts(size, kernel, stride, padding, out_size, count_include_pad):
    """How many elements each of the out_size windows averages over, as PyTorch counts them."""
    starts = np.arange(out_size) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    if count_include_pad:
        return ends - starts
    return np.minimum(ends, size) - np.maximum(starts, 0)


@_autocast.float32
def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """3-d average pooling over (N, C, D, H, W) or (C, D, H, W)."""
    x, unbatched = _batched(input, "avg_pool3d")
    kernel, strides, pads, _ = _window3d("avg_pool3d", kernel_size, stride, padding)
    if any(2 * p > k for p, k in zip(pads, kernel)):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={pads[0]}, "
                           f"kernel_size={kernel[0]} and dilation=1")
    _check_pooled_sizes("avg_pool3d", input, kernel, strides, pads, (1, 1, 1), ceil_mode)
    sums = _per_slice(x, lambda s: avg_pool2d(s, kernel[1:], strides[1:], pads[1:], ceil_mode, True, 1))
    sizes = [_pool_out_size(x.shape[2], kernel[0], strides[0], pads[0], 1, ceil_mode)] + list(sums.shape[3:])
    reach = (sizes[0] - 1) * strides[0] + kernel[0]
    sums = pad(sums, (0, 0, 0, 0, pads[0], max(pads[0], reach - x.shape[2] - pads[0])))
    total = chainrule.stack(_depth_taps(sums, kernel[0], strides[0], 1, sizes[0]), 0).sum(0)
    if divisor_override:
        return (total / divisor_override).squeeze(0) if unbatched else total / divisor_override
    counts = [_window_counts(x.shape[2 + i], kernel[i], strides[i], pads[i], sizes[i], count_include_pad)
              for i in range(3)]
    divisor = np.einsum("d,h,w->dhw", *counts).astype(np.float64)
    out = total / table_like(divisor, total, total.dtype)
    return out.squeeze(0) if unbatched else out


def _adaptive_sizes(x, output_size, op):
    sizes = [output_size] * 3 if output_size is None or isinstance(output_size, int) else list(output_size)
    if len(sizes) != 3:
        raise _C.InvalidArgumentError(f"{op}: output_size must be an int or a tuple of 3 ints or None, got "
                                      f"{output_size!r}")
    return [x.shape[2 + i] if s is None else s for i, s in enumerate(sizes)]


def _adaptive3d(input, output_size, op, pool2d, reduce):
    x, unbatched = _batched(input, op)
    sizes = _adaptive_sizes(x, output_size, op)
    planes = _per_slice(x, lambda s: pool2d(s, sizes[1:]))
    depth = x.shape[2]
    windows = [planes[:, :, (i * depth) // sizes[0]:math.ceil((i + 1) * depth / sizes[0])] for i in range(sizes[0])]
    out = chainrule.stack([reduce(w) for w in windows], 2)
    return out.squeeze(0) if unbatched else out


@_autocast.float32
def adaptive_avg_pool3d(input, output_size):
    """Adaptive 3-d average pooling to output_size (None entries keep the input's size)."""
    return _adaptive3d(input, output_size, "adaptive_avg_pool3d", adaptive_avg_pool2d, lambda w: w.mean(2))


@_autocast.float32
def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive 3-d max pooling to output_size; with return_indices=True also the int64 indices."""
    if not return_indices:
        return _adaptive3d(input, output_size, "adaptive_max_pool3d", adaptive_max_pool2d, lambda w: w.max(2)[0])
    return adaptive_max_pool3d_with_indices(input, output_size)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """Adaptive 3-d max pooling to output_size; returns (values, indices flat over each volume)."""
    x, unbatched = _batched(input, "adaptive_max_pool3d")
    positions, valid = [], []
    for d, out in enumerate(_adaptive_sizes(x, output_size, "adaptive_max_pool3d")):
        size = x.shape[2 + d]
        starts = (np.arange(out) * size) // out
        ends = -((-(np.arange(out) + 1) * size) // out)
        taps = starts[:, None] + np.arange(max(ends - starts))
        positions.append(taps)
        valid.append(taps < ends[:, None])
    return _unbatch(_max_over_windows(x, positions, valid), unbatched)
