"""Normalization ops of chainrule.nn.functional: batch_norm, instance_norm, layer_norm, group_norm,
rms_norm, local_response_norm.

Signatures follow torch.nn.functional; batch/layer/group norm's math, shape checks and backward live
in C++ (cpp/ops/batch_norm.cpp, cpp/ops/layer_norm.cpp); rms_norm and local_response_norm are
composed from recorded ops (as PyTorch composes them), so autograd derives their backward.
"""
import math
import numbers

import chainrule
from chainrule import _C

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "rms_norm", "local_response_norm"]


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalizes each channel (dim 1) over the batch and spatial dims; in training, running_mean and
    running_var (if given) are updated in place with momentum and the unbiased batch variance."""
    return _C._nn.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalizes each channel of each sample over its spatial dims (batch_norm per instance)."""
    if input.dim() < 3:
        raise ValueError(f"instance_norm: expected an input of at least 3 dimensions (N, C, *), got shape "
                         f"{tuple(input.shape)}")
    if use_input_stats and math.prod(input.shape[2:]) == 1:  # no spatial element (0) is an empty result
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    n, c = input.shape[0], input.shape[1]
    # As ATen does: one batch of n * c channels, with the statistics repeated per sample.
    repeat = lambda t: None if t is None else t.repeat(n)  # noqa: E731
    per_instance = input.reshape(1, n * c, *input.shape[2:])
    mean, var = repeat(running_mean), repeat(running_var)
    out = batch_norm(per_instance, mean, var, repeat(weight), repeat(bias), use_input_stats, momentum, eps)
    if use_input_stats and running_mean is not None:
        with chainrule.no_grad():
            running_mean.copy_(mean.view(n, c).mean(0))
            running_var.copy_(var.view(n, c).mean(0))
    return out.view(input.shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalizes over the trailing dims given by normalized_shape, then applies weight and bias elementwise."""
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    return _C._nn.layer_norm(input, tuple(normalized_shape), weight, bias, eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalizes each group of num_groups channel groups per sample; weight and bias are per channel."""
    return _C._nn.group_norm(input, num_groups, weight, bias, eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """input / sqrt(mean(input^2 over the normalized_shape dims) + eps) * weight; eps=None means the
    dtype's machine epsilon (finfo(input.dtype).eps), as PyTorch."""
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (normalized_shape,)
    shape = list(normalized_shape)
    if input.dim() < len(shape) or list(input.shape[input.dim() - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape [*{', '.join(map(str, shape))}]"
                           f", but got input of size{list(input.shape)}")
    if weight is not None and list(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {shape}")
    if eps is None:
        eps = chainrule.finfo(input.dtype).eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * (input * input).mean(dims, keepdim=True).add(eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input / (k + alpha * mean of input^2 over `size` neighbouring channels)^beta, as PyTorch computes
    it: a zero-padded average pool over the channel dim (N, C, ...)."""
    from chainrule.nn.functional.pool import avg_pool2d
    from chainrule.nn.functional.pad_interpolate import pad

    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    sizes = input.shape
    # (N, 1, C, rest): the channel dim is pooled with a (size, 1) window, stride 1.
    div = (input * input).reshape(sizes[0], 1, sizes[1], -1)
    div = pad(div, (0, 0, size // 2, (size - 1) // 2))
    div = avg_pool2d(div, (size, 1), stride=1).reshape(sizes)
    return input / div.mul(alpha).add(k).pow(beta)
