"""ONNX converters for the nn.functional layer ops that nn modules call: linear, convolutions,
pooling, normalization, embedding, dropout, pad and interpolate. A module such as nn.Conv2d needs no converter of
its own: its forward calls F.conv2d with its parameters, which become initializers named like the
state_dict keys ("features.0.weight").
"""
import numpy as np

from chainrule.onnx._graph import UnsupportedOperatorError, numpy_dtype
from chainrule.onnx._registry import converts


def _tuple(value, n):
    return list(value) if isinstance(value, (tuple, list)) else [value] * n


def _unsupported(g, what):
    return UnsupportedOperatorError(f"chainrule.onnx.export: {what} {g.where()} cannot be exported")


def _optional(g, tensor):
    return "" if tensor is None else g.value(tensor)


@converts("linear")
def _linear(g, out, input, weight, bias=None):
    if input.dim() == 2:
        return g.node("Gemm", [g.value(input), g.value(weight)] + ([g.value(bias)] if bias is not None else []),
                      transB=1)
    y = g.node("MatMul", [g.value(input), g.node("Transpose", [g.value(weight)], perm=[1, 0])])
    return y if bias is None else g.node("Add", [y, g.value(bias)])


def _conv_pads(padding, kernel, dilation):
    """ONNX pads (all begins, then all ends) for torch's padding: ints, 'valid', or 'same' (whose odd
    extra padding goes at the end, as torch puts it)."""
    if padding == "valid":
        return [0] * 2 * len(kernel)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return [t // 2 for t in totals] + [t - t // 2 for t in totals]
    pads = _tuple(padding, len(kernel))
    return pads + pads


@converts("conv1d", "conv2d")
def _conv(g, out, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    kernel = list(weight.shape[2:])
    dilation = _tuple(dilation, len(kernel))
    return g.node("Conv", [g.value(input), g.value(weight)] + ([g.value(bias)] if bias is not None else []),
                  kernel_shape=kernel, strides=_tuple(stride, len(kernel)), dilations=dilation,
                  pads=_conv_pads(padding, kernel, dilation), group=groups)


@converts("conv_transpose1d", "conv_transpose2d")
def _conv_transpose(g, out, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                    dilation=1):
    kernel = list(weight.shape[2:])
    pads = _tuple(padding, len(kernel))
    return g.node("ConvTranspose", [g.value(input), g.value(weight)] + ([g.value(bias)] if bias is not None else []),
                  kernel_shape=kernel, strides=_tuple(stride, len(kernel)), dilations=_tuple(dilation, len(kernel)),
                  pads=pads + pads, output_padding=_tuple(output_padding, len(kernel)), group=groups)


@converts("max_pool1d", "max_pool2d")
def _max_pool(g, out, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
              return_indices=False):
    if return_indices:
        raise _unsupported(g, "max pooling with return_indices=True")
    spatial = input.dim() - 2
    pads = _tuple(padding, spatial)
    return g.node("MaxPool", [g.value(input)], kernel_shape=_tuple(kernel_size, spatial),
                  strides=_tuple(stride or kernel_size, spatial), pads=pads + pads,
                  dilations=_tuple(dilation, spatial), ceil_mode=int(ceil_mode))


@converts("avg_pool1d", "avg_pool2d")
def _avg_pool(g, out, input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
              divisor_override=None):
    if divisor_override is not None:
        raise _unsupported(g, f"average pooling with divisor_override={divisor_override}")
    spatial = input.dim() - 2
    pads = _tuple(padding, spatial)
    return g.node("AveragePool", [g.value(input)], kernel_shape=_tuple(kernel_size, spatial),
                  strides=_tuple(stride or kernel_size, spatial), pads=pads + pads, ceil_mode=int(ceil_mode),
                  count_include_pad=int(count_include_pad))


def _adaptive_pool(global_op, pool_op):
    """Adaptive pooling to 1 is the global pool; to a size that divides the input, a plain pool whose
    kernel and stride are the ratio. Other sizes (overlapping uneven windows) are refused."""
    def convert(g, out, input, output_size, return_indices=False):
        if return_indices:
            raise _unsupported(g, "adaptive pooling with return_indices=True")
        sizes_in, sizes_out = list(input.shape[2:]), list(out.shape[2:])
        if all(s == 1 for s in sizes_out):
            return g.node(global_op, [g.value(input)])
        if any(i % o for i, o in zip(sizes_in, sizes_out)):
            raise _unsupported(g, f"adaptive pooling from {tuple(sizes_in)} to {tuple(sizes_out)} (not a divisor)")
        ratio = [i // o for i, o in zip(sizes_in, sizes_out)]
        return g.node(pool_op, [g.value(input)], kernel_shape=ratio, strides=ratio)
    return convert


converts("adaptive_avg_pool1d", "adaptive_avg_pool2d")(_adaptive_pool("GlobalAveragePool", "AveragePool"))
converts("adaptive_max_pool1d", "adaptive_max_pool2d")(_adaptive_pool("GlobalMaxPool", "MaxPool"))


def _filled(g, tensor, value, shape, dtype):
    """The value of an optional affine tensor, or a constant of `value`s where it is None."""
    if tensor is not None:
        return g.value(tensor)
    return g.constant(np.full(shape, value, dtype=numpy_dtype(dtype)), "ones" if value == 1 else "zeros")


@converts("batch_norm")
def _batch_norm(g, out, input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
                eps=1e-5):
    if training or running_mean is None or running_var is None:
        raise _unsupported(g, "batch_norm with batch statistics (training mode, or track_running_stats=False)")
    channels = input.shape[1]
    return g.node("BatchNormalization", [g.value(input), _filled(g, weight, 1, channels, input.dtype),
                                         _filled(g, bias, 0, channels, input.dtype), g.value(running_mean),
                                         g.value(running_var)], epsilon=float(eps))


@converts("layer_norm")
def _layer_norm(g, out, input, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = _tuple(normalized_shape, 1)
    return g.node("LayerNormalization", [g.value(input), _filled(g, weight, 1, shape, input.dtype),
                                         _optional(g, bias)], axis=-len(shape), epsilon=float(eps))


@converts("group_norm")
def _group_norm(g, out, input, num_groups, weight=None, bias=None, eps=1e-5):
    """(x - mean) / sqrt(var + eps) over each group of (N, G, C/G * spatial), then the per-channel affine."""
    grouped = g.node("Reshape", [g.value(input), g.ints([0, num_groups, -1])])
    centered = g.node("Sub", [grouped, g.reduce("ReduceMean", grouped, [2], True)])
    variance = g.reduce("ReduceMean", g.node("Mul", [centered, centered]), [2], True)
    std = g.node("Sqrt", [g.node("Add", [variance, g.scalar(eps, input.dtype)])])
    y = g.node("Reshape", [g.node("Div", [centered, std]), g.node("Shape", [g.value(input)])])
    per_channel = g.ints([input.shape[1]] + [1] * (input.dim() - 2))
    if weight is not None:
        y = g.node("Mul", [y, g.node("Reshape", [g.value(weight), per_channel])])
    if bias is not None:
        y = g.node("Add", [y, g.node("Reshape", [g.value(bias), per_channel])])
    return y


@converts("embedding")
def _embedding(g, out, input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
               sparse=False):
    if max_norm is not None:
        raise _unsupported(g, "embedding with max_norm (it renormalizes the weight in place)")
    return g.node("Gather", [g.value(weight), g.value(input)], axis=0)


@converts("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout")
def _dropout(g, out, input, p=0.5, training=True, inplace=False):
    if training:
        raise _unsupported(g, "dropout with training=True (a functional call needs training=self.training)")
    return g.value(input)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@converts("pad")
def _pad(g, out, input, pad, mode="constant", value=None):
    """torch's pad lists (begin, end) pairs from the last dim backwards; ONNX wants all begins then all ends."""
    if mode not in _PAD_MODES or (mode == "circular" and g.opset < 19):
        raise _unsupported(g, f"pad with mode={mode!r}")
    begins, ends = [0] * input.dim(), [0] * input.dim()
    for i in range(len(pad) // 2):
        begins[-1 - i], ends[-1 - i] = pad[2 * i], pad[2 * i + 1]
    inputs = [g.value(input), g.ints(begins + ends, "pads")]
    if mode == "constant" and value:
        inputs.append(g.scalar(value, input.dtype))
    return g.node("Pad", inputs, mode=_PAD_MODES[mode])


@converts("interpolate", "upsample")
def _interpolate(g, out, input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None, antialias=False):
    """Resize: by the scale factors when given (torch maps coordinates with them), else to the output's
    spatial size (the batch and channel dims taken from the input, so they may change)."""
    x = g.value(input)
    if scale_factor is not None and not recompute_scale_factor:
        scales = [1.0, 1.0] + [float(s) for s in _tuple(scale_factor, input.dim() - 2)]
        resize_inputs = [x, "", g.constant(np.array(scales, dtype=np.float32), "scales")]
    else:
        leading = g.node("Slice", [g.node("Shape", [x]), g.ints([0]), g.ints([2])])
        resize_inputs = [x, "", "", g.node("Concat", [leading, g.ints(out.shape[2:])], axis=0)]
    if mode == "nearest":
        return g.node("Resize", resize_inputs, mode="nearest", coordinate_transformation_mode="asymmetric",
                      nearest_mode="floor")
    return g.node("Resize", resize_inputs, mode="linear",
                  coordinate_transformation_mode="align_corners" if align_corners else "pytorch_half_pixel")


@converts("upsample_nearest")
def _upsample_nearest(g, out, input, size=None, scale_factor=None):
    return _interpolate(g, out, input, size, scale_factor, mode="nearest")


@converts("upsample_bilinear")
def _upsample_bilinear(g, out, input, size=None, scale_factor=None):
    return _interpolate(g, out, input, size, scale_factor, mode="bilinear", align_corners=True)
