"""Gamma(concentration, rate). log_prob, entropy and the moments are differentiable in both
parameters; sample draws with Marsaglia and Tsang's method on chainrule's generator. There is no
rsample yet: PyTorch's reparameterized gradient in the concentration needs the derivative of the
incomplete gamma function, which chainrule does not have."""
import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions._special import digamma, lgamma, xlogy
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.utils import batch_shape_of, broadcast_all

__all__ = ["Gamma"]


def _standard_gamma(concentration):
    """Gamma(concentration, 1) draws of concentration's shape (Marsaglia & Tsang, 2000): a
    squeezed normal, accepted with probability > 0.95 and redrawn elementwise until accepted;
    concentration < 1 is boosted to concentration + 1 and scaled by U^(1/concentration)."""
    with chainrule.no_grad():
        boosted = chainrule.where(concentration < 1, concentration + 1, concentration)
        d = boosted - 1 / 3
        c = (9 * d).rsqrt()
        result = chainrule.zeros_like(concentration)
        pending = chainrule.ones_like(concentration, dtype=chainrule.bool)
        while bool(pending.any()):
            x = chainrule.randn(concentration.shape, dtype=concentration.dtype)
            v = (1 + c * x) ** 3
            log_u = chainrule.rand(concentration.shape, dtype=concentration.dtype).log()
            positive_v = v > 0
            safe_v = chainrule.where(positive_v, v, 1.0)
            accept = pending & positive_v & (log_u < 0.5 * x * x + d - d * safe_v + d * safe_v.log())
            result = chainrule.where(accept, d * safe_v, result)
            pending = pending & ~accept
        u = chainrule.rand(concentration.shape, dtype=concentration.dtype)
        boost = chainrule.where(concentration < 1, u ** concentration.reciprocal(), 1.0)
        return (result * boost).clamp(min=chainrule.finfo(concentration.dtype).tiny)


class Gamma(Distribution):
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(batch_shape_of((concentration, rate), (self.rate,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_parameters(Gamma, batch_shape, ("concentration", "rate"), _instance)

    @property
    def mean(self):
        return self.concentration / self.rate

    @property
    def mode(self):
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self):
        return self.concentration / self.rate.pow(2)

    def sample(self, sample_shape=Size()):
        shape = self._extended_shape(sample_shape)
        with chainrule.no_grad():
            value = _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)
            return value.clamp(min=chainrule.finfo(value.dtype).tiny)

    def log_prob(self, value):
        value = chainrule.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def entropy(self):
        return (self.concentration - chainrule.log(self.rate) + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))
