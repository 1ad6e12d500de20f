"""NegativeBinomial(total_count, probs= or logits=): failures before total_count successes (a
Gamma-Poisson mixture). log_prob and the moments are differentiable; sample draws a Gamma rate,
then Poisson counts with NumPy seeded from chainrule's generator."""
import numpy as np

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule._C import lgamma
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.gamma import Gamma
from chainrule.distributions._probs_or_logits import ProbsOrLogits
from chainrule.distributions.utils import _numpy_generator, lazy_property

__all__ = ["NegativeBinomial"]


class NegativeBinomial(ProbsOrLogits, Distribution):
    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        (total_count,) = self._init_probs_or_logits(probs, logits, total_count)
        self.total_count = total_count.type_as(self._param)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(NegativeBinomial, batch_shape, _instance, ("total_count",))

    @property
    def mean(self):
        return self.total_count * chainrule.exp(self.logits)

    @property
    def mode(self):
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self):
        return self.mean / chainrule.sigmoid(-self.logits)

    @lazy_property
    def _gamma(self):
        return Gamma(concentration=self.total_count, rate=chainrule.exp(-self.logits), validate_args=False)

    def sample(self, sample_shape=Size()):
        with chainrule.no_grad():
            rate = self._gamma.sample(sample_shape=sample_shape)
            counts = _numpy_generator().poisson(rate.cpu().numpy()).astype(np.float64)  # drawn on the host
            return chainrule.tensor(counts, dtype=rate.dtype, device=rate.device)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logsigmoid = chainrule.nn.functional.logsigmoid
        log_unnormalized_prob = self.total_count * logsigmoid(-self.logits) + value * logsigmoid(self.logits)
        log_normalization = -lgamma(self.total_count + value) + lgamma(1.0 + value) + lgamma(self.total_count)
        log_normalization = chainrule.where(self.total_count + value == 0.0, 0.0, log_normalization)
        return log_unnormalized_prob - log_normalization
