"""GeneralizedPareto(loc, scale, concentration): the peaks-over-threshold law of extreme value
theory, reparameterized through its inverse CDF; concentration 0 is the exponential limit."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.utils import batch_shape_of, broadcast_all

__all__ = ["GeneralizedPareto"]


class GeneralizedPareto(Distribution):
    arg_constraints = {"loc": constraints.real, "scale": constraints.positive, "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc, scale, concentration, validate_args=None):
        self.loc, self.scale, self.concentration = broadcast_all(loc, scale, concentration)
        super().__init__(batch_shape_of((loc, scale, concentration), (self.loc,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(GeneralizedPareto, batch_shape, ("loc", "scale", "concentration"), _instance)

    def _zero_and_safe_concentration(self):
        """Where concentration is (close to) 0, and concentration with those entries set to 1."""
        eq_zero = chainrule.isclose(self.concentration, chainrule.zeros_like(self.concentration))
        return eq_zero, chainrule.where(eq_zero, 1.0, self.concentration)

    def _z(self, x):
        return (x - self.loc) / self.scale

    def rsample(self, sample_shape=Size()):
        return self.icdf(chainrule.rand(self._extended_shape(sample_shape), dtype=self.loc.dtype,
                                        device=self.loc.device))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._zero_and_safe_concentration()
        y = 1 / safe_conc + chainrule.ones_like(z)
        where_nonzero = chainrule.where(y == 0, y, y * chainrule.log1p(safe_conc * z))
        return -self.scale.log() - chainrule.where(eq_zero, z, where_nonzero)

    def log_survival_function(self, value):
        if self._validate_args:
            self._validate_sample(value)
        z = self._z(value)
        eq_zero, safe_conc = self._zero_and_safe_concentration()
        return chainrule.where(eq_zero, -z, -chainrule.log1p(safe_conc * z) / safe_conc)

    def log_cdf(self, value):
        return chainrule.log1p(-chainrule.exp(self.log_survival_function(value)))

    def cdf(self, value):
        return chainrule.exp(self.log_cdf(value))

    def icdf(self, value):
        eq_zero, safe_conc = self._zero_and_safe_concentration()
        logu = chainrule.log1p(-value)
        where_nonzero = self.loc + self.scale / safe_conc * chainrule.expm1(-safe_conc * logu)
        return chainrule.where(eq_zero, self.loc - self.scale * logu, where_nonzero)

    @property
    def mean(self):
        valid = self.concentration < 1
        safe_conc = chainrule.where(valid, self.concentration, 0.5)
        return chainrule.where(valid, self.loc + self.scale / (1 - safe_conc), math.nan)

    @property
    def variance(self):
        valid = self.concentration < 0.5
        safe_conc = chainrule.where(valid, self.concentration, 0.25)
        return chainrule.where(valid, self.scale ** 2 / ((1 - safe_conc) ** 2 * (1 - 2 * safe_conc)), math.nan)

    def entropy(self):
        return chainrule.broadcast_to(chainrule.log(self.scale) + self.concentration + 1, self._batch_shape)

    @property
    def mode(self):
        return self.loc

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self):
        upper = chainrule.where(self.concentration < 0, self.loc - self.scale / self.concentration, math.inf)
        return constraints.interval(self.loc, upper)
