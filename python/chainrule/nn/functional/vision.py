"""Rearranging image ops of chainrule.nn.functional: pixel_shuffle, pixel_unshuffle, channel_shuffle,
unfold, fold.

All are composed from recorded ops, so their backward (and double backward) come from the autograd
engine. pixel_(un)shuffle and channel_shuffle are a reshape + permute. unfold (im2col) is a grouped
conv2d with a one-hot kernel per (channel, kernel offset): each output channel copies one input
value, exactly. fold
(col2im) is its adjoint, conv_transpose2d with the same kernel, which sums the overlapping blocks.
Shapes, channel orders and error messages follow torch.nn.functional.
"""
import chainrule
from chainrule.nn.functional.conv import _per_dim, conv2d, conv_transpose2d

__all__ = ["pixel_shuffle", "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle", "unfold", "fold"]


def _check_factor(op, factor, name):
    if factor <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {factor}")


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r): each group of r^2 channels becomes an r x r block."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = upscale_factor
    _check_factor("pixel_shuffle", r, "upscale_factor")
    *batch, c, h, w = input.shape
    if c % (r * r) != 0:
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    b = len(batch)
    blocks = input.reshape(*batch, c // (r * r), r, r, h, w)
    order = list(range(b)) + [b, b + 3, b + 1, b + 4, b + 2]  # (C, H, r, W, r)
    return blocks.permute(*order).reshape(*batch, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W): the inverse of pixel_shuffle."""
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    r = downscale_factor
    _check_factor("pixel_unshuffle", r, "downscale_factor")
    *batch, c, h, w = input.shape
    for size, dim, name in ((h, -2, "height"), (w, -1, "width")):
        if size % r != 0:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({dim})={size} is not divisible by {r}")
    b = len(batch)
    blocks = input.reshape(*batch, c, h // r, r, w // r, r)
    order = list(range(b)) + [b, b + 2, b + 4, b + 1, b + 3]  # (C, r, r, H, W)
    return blocks.permute(*order).reshape(*batch, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """(N, C, *) with the channels read as (groups, C / groups) and written as (C / groups, groups)."""
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    n, c, *spatial = input.shape
    if c % groups != 0:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    grouped = input.reshape(n, groups, c // groups, *spatial)
    return grouped.transpose(1, 2).reshape(input.shape)


native_channel_shuffle = channel_shuffle


def _pair(value, name, op):
    return tuple(_per_dim(value, 2, name, op))


def _block_args(op, kernel_size, dilation, padding, stride):
    kernel, dilation, padding, stride = (_pair(v, name, op) for v, name in (
        (kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if min(kernel) <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                           f"kernel_width: {kernel[1]}")
    if min(dilation) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} "
                           f"dilation_width: {dilation[1]}")
    if min(stride) <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                           f"stride_width: {stride[1]}")
    if min(padding) < 0:
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {padding[0]} "
                           f"pad_width: {padding[1]}")
    return kernel, dilation, padding, stride


def _blocks_per_dim(spatial, kernel, dilation, padding, stride):
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, d, p, st in zip(spatial, kernel, dilation, padding, stride))


def _one_hot_kernel(channels, kernel, like):
    """(channels * kh * kw, 1, kh, kw) in like's dtype and on its device: output channel
    c * kh * kw + i * kw + j picks offset (i, j) of channel c."""
    size = kernel[0] * kernel[1]
    eye = chainrule.eye(size, dtype=like.dtype, device=like.device).reshape(size, 1, *kernel)
    return eye.repeat(channels, 1, 1, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding blocks of (N, C, H, W) or (C, H, W) as columns: (N, C * kh * kw, L), L = number of blocks."""
    kernel, dilation, padding, stride = _block_args("unfold", kernel_size, dilation, padding, stride)
    if input.dim() not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got: {list(input.shape)}")
    batched = input.dim() == 4
    x = input if batched else input.unsqueeze(0)
    channels, spatial = x.shape[1], tuple(x.shape[2:])
    blocks = _blocks_per_dim(spatial, kernel, dilation, padding, stride)
    if min(blocks) < 1:
        raise RuntimeError(f"Given input with spatial size {spatial}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, calculated shape of the array of sliding blocks as {blocks}, "
                           "but its components must be at least one.")
    columns = conv2d(x, _one_hot_kernel(channels, kernel, x), None, stride, padding, dilation, channels)
    columns = columns.reshape(x.shape[0], columns.shape[1], blocks[0] * blocks[1])
    return columns if batched else columns.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns (N, C * kh * kw, L) or (C * kh * kw, L) back into (N, C, *output_size): unfold's adjoint."""
    output_size = _pair(output_size, "output_size", "fold")
    kernel, dilation, padding, stride = _block_args("fold", kernel_size, dilation, padding, stride)
    if input.dim() not in (2, 3):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    kernel_numel = kernel[0] * kernel[1]
    if x.shape[1] % kernel_numel != 0:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={x.shape[1]} and kernel_size={kernel}.")
    blocks = _blocks_per_dim(output_size, kernel, dilation, padding, stride)
    if min(blocks) < 1 or blocks[0] * blocks[1] != x.shape[2]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match "
                           f"the calculated number of sliding blocks {blocks[0]} * {blocks[1]} = "
                           f"{blocks[0] * blocks[1]}, but got input.size(2)={x.shape[2]}.")
    channels = x.shape[1] // kernel_numel
    # The blocks cover [0, (b - 1) s + d (k - 1] of the padded output; output_padding adds the
    # uncovered right end (shorter than one stride) before the padding is cropped.
    uncovered = tuple(o + 2 * p - ((b - 1) * s + d * (k - 1) + 1)
                      for o, p, b, s, d, k in zip(output_size, padding, blocks, stride, dilation, kernel))
    planes = x.reshape(x.shape[0], x.shape[1], *blocks)
    out = conv_transpose2d(planes, _one_hot_kernel(channels, kernel, x), None, stride, padding, uncovered,
                           channels, dilation)
    return out if batched else out.squeeze(0)
