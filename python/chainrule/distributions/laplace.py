"""Laplace(loc, scale): the double exponential, reparameterized through the inverse CDF."""
import chainrule
from chainrule._tensor import Size
from chainrule.distributions._location_scale import LocationScale
from chainrule.distributions.distribution import Distribution

__all__ = ["Laplace"]


class Laplace(LocationScale, Distribution):
    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Laplace, batch_shape, ("loc", "scale"), _instance)

    @property
    def mean(self):
        return self.loc

    @property
    def variance(self):
        return 2 * self.scale.pow(2)

    @property
    def stddev(self):
        return (2 ** 0.5) * self.scale

    def rsample(self, sample_shape=Size()):
        eps = chainrule.finfo(self.loc.dtype).eps
        u = chainrule.empty(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                            device=self.loc.device).uniform_(eps - 1, 1)
        return self.loc - self.scale * u.sign() * chainrule.log1p(-u.abs())

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -chainrule.log(2 * self.scale) - chainrule.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * chainrule.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * chainrule.log1p(-2 * term.abs())

    def entropy(self):
        return 1 + chainrule.log(2 * self.scale)
