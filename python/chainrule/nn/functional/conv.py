"""Convolutions: conv1d, conv2d, conv_transpose1d, conv_transpose2d, as in torch.nn.functional.

The arguments are normalized here (an int means the same value for every spatial dim); the shape
checks, the math (Winograd F(2x2, 3x3) for 3x3 stride-1 kernels, otherwise im2col + BLAS GEMM)
and the backward formulas live in C++ (chainrule._C._nn). conv2d_algorithm tells which kernel a
call runs (chainrule's own addition, not in torch.nn.functional).
"""
import operator

from chainrule import _C

__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "conv2d_algorithm"]


def _per_dim(value, dims, name, op):
    """An int or a sequence of 1 or `dims` ints (one int stands for every dim, as in PyTorch), as a list of
    `dims` ints; otherwise, as PyTorch, a TypeError for a non-int entry and an InvalidArgumentError (a
    RuntimeError) for a wrong count, naming op."""
    if isinstance(value, bool):
        raise TypeError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    if isinstance(value, int):
        return [value] * dims
    try:
        values = [operator.index(v) for v in value]
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}") from None
    if len(values) == 1:
        values = values * dims
    if len(values) != dims:
        raise _C.InvalidArgumentError(f"{op}: {name} must be an int or a tuple of {dims} ints, got {value!r}")
    return values


def _conv_options(op, dims, stride, padding, dilation):
    """stride, padding, dilation as lists of `dims` ints (padding may stay 'same' / 'valid')."""
    if isinstance(padding, str) and padding not in ("same", "valid"):
        raise _C.InvalidArgumentError(f"{op}: padding must be 'same', 'valid' or ints, got '{padding}'")
    if not isinstance(padding, str):
        padding = _per_dim(padding, dims, "padding", op)
    return _per_dim(stride, dims, "stride", op), padding, _per_dim(dilation, dims, "dilation", op)


def _conv(op, dims, input, weight, bias, stride, padding, dilation, groups):
    stride, padding, dilation = _conv_options(op, dims, stride, padding, dilation)
    return getattr(_C._nn, op)(input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op, dims, input, weight, bias, stride, padding, output_padding, groups, dilation):
    per_dim = lambda value, name: _per_dim(value, dims, name, op)  # noqa: E731
    return getattr(_C._nn, op)(input, weight, bias, per_dim(stride, "stride"), per_dim(padding, "padding"),
                               per_dim(output_padding, "output_padding"), groups, per_dim(dilation, "dilation"))


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of input (N, C, L) or (C, L) by weight (out, C / groups, k); padding may be 'same' or 'valid'."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of input (N, C, H, W) or (C, H, W) by weight (out, C / groups, kH, kW); padding may be 'same' or 'valid'."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv2d_algorithm(input, weight, stride=1, padding=0, dilation=1, groups=1):
    """Which kernel conv2d(input, weight, ...) runs on the CPU, forward and backward: 'depthwise' (groups
    == input channels > 1, any multiplier), 'winograd' (3x3, stride 1, no dilation, enough tiles and
    input channels), 'gemm' (1x1, stride 1, no padding) or 'im2col'.
    Checks the arguments as conv2d does; computes nothing."""
    stride, padding, dilation = _conv_options("conv2d", 2, stride, padding, dilation)
    return _C._nn.conv2d_algorithm(input, weight, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution of input (N, C, L) or (C, L) by weight (C, out / groups, k)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution of input (N, C, H, W) or (C, H, W) by weight (C, out / groups, kH, kW)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding, output_padding, groups,
                           dilation)
