"""ContinuousBernoulli(probs= or logits=, lims=(0.499, 0.501)): the density on [0, 1]
proportional to probs^x (1 - probs)^(1 - x) (Loaiza-Ganem and Cunningham, 2019), for VAEs on
[0, 1] data. Near probs = 1/2 (inside lims) the normalizer and moments switch to their Taylor
series, as in PyTorch; rsample goes through the inverse CDF."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions.exp_family import ExponentialFamily
from chainrule.distributions._probs_or_logits import ProbsOrLogits
from chainrule.distributions.utils import broadcast_all, clamp_probs, lazy_property, logits_to_probs

__all__ = ["ContinuousBernoulli"]


class ContinuousBernoulli(ProbsOrLogits, ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, probs=None, logits=None, lims=(0.499, 0.501), validate_args=None):
        self._init_probs_or_logits(probs, logits)
        if probs is not None:
            if validate_args is not None and not bool(self.arg_constraints["probs"].check(self.probs).all()):
                raise ValueError("The parameter probs has invalid values")
            self.probs = self._param = clamp_probs(self.probs)
        self._lims = lims
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._expand_probs_or_logits(ContinuousBernoulli, batch_shape, _instance)
        new._lims = self._lims
        return new

    def _outside_unstable_region(self):
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self):
        """probs, moved off the unstable region around 1/2 (where the Taylor series take over)."""
        return chainrule.where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self):
        cut_probs = self._cut_probs()
        below_half = chainrule.where(cut_probs <= 0.5, cut_probs, 0.0)
        above_half = chainrule.where(cut_probs >= 0.5, cut_probs, 1.0)
        log_norm = (chainrule.log(chainrule.abs(chainrule.log1p(-cut_probs) - chainrule.log(cut_probs)))
                    - chainrule.where(cut_probs <= 0.5, chainrule.log1p(-2.0 * below_half),
                                      chainrule.log(2.0 * above_half - 1.0)))
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return chainrule.where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self):
        cut_probs = self._cut_probs()
        mus = cut_probs / (2.0 * cut_probs - 1.0) + 1.0 / (chainrule.log1p(-cut_probs) - chainrule.log(cut_probs))
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x
        return chainrule.where(self._outside_unstable_region(), mus, taylor)

    @property
    def stddev(self):
        return chainrule.sqrt(self.variance)

    @property
    def variance(self):
        cut_probs = self._cut_probs()
        variances = (cut_probs * (cut_probs - 1.0) / (1.0 - 2.0 * cut_probs) ** 2
                     + 1.0 / (chainrule.log1p(-cut_probs) - chainrule.log(cut_probs)) ** 2)
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return chainrule.where(self._outside_unstable_region(), variances, taylor)

    @lazy_property
    def probs(self):
        return clamp_probs(logits_to_probs(self.logits, is_binary=True))

    def rsample(self, sample_shape=Size()):
        return self.icdf(chainrule.rand(self._extended_shape(sample_shape), dtype=self.probs.dtype,
                                        device=self.probs.device))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        bce = chainrule.nn.functional.binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._cont_bern_log_norm()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        cut_probs = self._cut_probs()
        cdfs = (cut_probs ** value * (1.0 - cut_probs) ** (1.0 - value) + cut_probs - 1.0) / (2.0 * cut_probs - 1.0)
        unbounded_cdfs = chainrule.where(self._outside_unstable_region(), cdfs, value)
        return chainrule.where(value <= 0.0, 0.0, chainrule.where(value >= 1.0, 1.0, unbounded_cdfs))

    def icdf(self, value):
        cut_probs = self._cut_probs()
        inverted = ((chainrule.log1p(-cut_probs + value * (2.0 * cut_probs - 1.0)) - chainrule.log1p(-cut_probs))
                    / (chainrule.log(cut_probs) - chainrule.log1p(-cut_probs)))
        return chainrule.where(self._outside_unstable_region(), inverted, value)

    def entropy(self):
        log_probs0 = chainrule.log1p(-self.probs)
        log_probs1 = chainrule.log(self.probs)
        return self.mean * (log_probs0 - log_probs1) - self._cont_bern_log_norm() - log_probs0

    _mean_carrier_measure = 0

    @property
    def _natural_params(self):
        return (self.logits,)

    def _log_normalizer(self, x):
        """The log normalizer as a function of the natural parameter (Taylor series near 0)."""
        unstable = (x > self._lims[0] - 0.5) & (x <= self._lims[1] - 0.5)
        cut_nat_params = chainrule.where(unstable, self._lims[0] - 0.5, x)
        log_norm = chainrule.log(chainrule.abs(chainrule.expm1(cut_nat_params))) - chainrule.log(
            chainrule.abs(cut_nat_params))
        taylor = 0.5 * x + x ** 2 / 24.0 - x ** 4 / 2880.0
        return chainrule.where(unstable, taylor, log_norm)
