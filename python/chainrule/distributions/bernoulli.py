"""Bernoulli(probs= or logits=): a coin per batch entry, sampled as 0./1. floats."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions.exp_family import ExponentialFamily
from chainrule.distributions._probs_or_logits import ProbsOrLogits
from chainrule.distributions.utils import broadcast_all

__all__ = ["Bernoulli"]


class Bernoulli(ProbsOrLogits, ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._init_probs_or_logits(probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        return self._expand_probs_or_logits(Bernoulli, batch_shape, _instance)

    @property
    def mean(self):
        return self.probs

    @property
    def mode(self):
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return chainrule.where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self):
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        with chainrule.no_grad():
            return chainrule.bernoulli(self.probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -chainrule.nn.functional.binary_cross_entropy_with_logits(
            logits, value.to(logits.dtype), reduction="none")

    def entropy(self):
        return chainrule.nn.functional.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand=True):
        values = chainrule.arange(2, dtype=self._param.dtype, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values

    _mean_carrier_measure = 0

    @property
    def _natural_params(self):
        return (chainrule.log(self.probs) - chainrule.log1p(-self.probs),)  # logit

    def _log_normalizer(self, x):
        return chainrule.log1p(chainrule.exp(x))
