"""Normalization ops of chainrule.nn.functional: batch_norm, instance_norm, layer_norm, group_norm.

Signatures follow torch.nn.functional; the math, the shape checks and the backward live in C++
(cpp/ops/batch_norm.cpp, cpp/ops/layer_norm.cpp).
"""
import numbers

import chainrule
from chainrule import _C

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm"]


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
    n, c = input.shape[0], input.shape[1]
    # As ATen does: one batch of n * c channels, with the statistics repeated per sample.
    repeat = lambda t: None if t is None else chainrule.cat([t] * n)  # noqa: E731
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
