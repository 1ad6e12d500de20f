"""Helpers shared by the distributions (torch.distributions.utils): parameter broadcasting,
probs <-> logits, lazily computed parameters, and the standard normal draw."""
import numbers

import numpy as np

import chainrule
from chainrule._tensor import Size

__all__ = ["broadcast_all", "clamp_probs", "euler_constant", "lazy_property", "logits_to_probs",
           "probs_to_logits"]

euler_constant = 0.57721566490153286060


def broadcast_all(*values):
    """Tensors broadcast together; Python numbers become tensors of the first tensor's dtype (or
    the default dtype when all are numbers)."""
    if not all(isinstance(v, (chainrule.Tensor, numbers.Number)) for v in values):
        raise ValueError("Input arguments must all be instances of Number, "
                         "torch.Tensor or objects implementing __torch_function__.")
    first = next((v for v in values if isinstance(v, chainrule.Tensor)), None)
    dtype, device = (chainrule.get_default_dtype(), None) if first is None else (first.dtype, first.device)
    tensors = [v if isinstance(v, chainrule.Tensor) else chainrule.tensor(v, dtype=dtype, device=device)
               for v in values]
    return chainrule.broadcast_tensors(*tensors)


def batch_shape_of(given, broadcast):
    """A distribution's batch shape: () when every parameter was a Python number, else the
    broadcast parameters' shape."""
    if all(isinstance(v, numbers.Number) for v in given):
        return Size()
    return broadcast[0].size()


def _standard_normal(shape, like):
    """N(0, 1) draws of `shape` in like's dtype and on its device."""
    return chainrule.randn(Size(shape), dtype=like.dtype, device=like.device)


def _numpy_generator():
    """A NumPy generator seeded from chainrule's generator, for the draws chainrule has no sampler
    for (Poisson, Binomial): manual_seed still makes them reproducible."""
    return np.random.default_rng(chainrule.randint(0, 2 ** 31 - 1, ()).item())


def _sum_rightmost(value, dim):
    """Sums out the `dim` rightmost dims of `value`."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape)[:-dim] + (-1,)).sum(-1)


def logits_to_probs(logits, is_binary=False):
    if is_binary:
        return chainrule.sigmoid(logits)
    return chainrule.nn.functional.softmax(logits, dim=-1)


def clamp_probs(probs):
    """Probabilities clamped into [eps, 1 - eps] of their dtype, so that their logs are finite."""
    eps = chainrule.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs, is_binary=False):
    clamped = clamp_probs(probs)
    if is_binary:
        return chainrule.log(clamped) - chainrule.log1p(-clamped)
    return chainrule.log(clamped)


class lazy_property:
    """A parameter computed on first access from the one the user gave (Categorical's probs from
    its logits) and then cached on the instance; computed with gradients enabled, as in PyTorch."""

    def __init__(self, wrapped):
        self.wrapped = wrapped
        self.__doc__ = wrapped.__doc__
        self.__name__ = wrapped.__name__

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with chainrule.enable_grad():
            value = self.wrapped(instance)
        instance.__dict__[self.wrapped.__name__] = value
        return value
