"""Poisson(rate): counts. log_prob is differentiable in rate and in the counts; sample draws with
NumPy seeded from chainrule's generator (chainrule has no Poisson sampler)."""
import numpy as np

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule._C import lgamma
from chainrule.distributions.exp_family import ExponentialFamily
from chainrule.distributions.utils import _numpy_generator, batch_shape_of, broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(batch_shape_of((rate,), (self.rate,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Poisson, batch_shape, ("rate",), _instance)

    @property
    def mean(self):
        return self.rate

    @property
    def mode(self):
        return self.rate.floor()

    @property
    def variance(self):
        return self.rate

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        rates = np.broadcast_to(self.rate.detach().cpu().numpy(), shape)  # drawn on the host
        counts = _numpy_generator().poisson(rates).astype(np.float64)
        return chainrule.tensor(counts, dtype=self.rate.dtype, device=self.rate.device)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        value = value.to(rate.dtype)
        return chainrule.xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self):
        return (chainrule.log(self.rate),)

    def _log_normalizer(self, x):
        return chainrule.exp(x)
