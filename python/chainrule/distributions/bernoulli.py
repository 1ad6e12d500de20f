"""Bernoulli(probs= or logits=): a coin per batch entry, sampled as 0./1. floats."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions.exp_family import ExponentialFamily
from chainrule.distributions.utils import (batch_shape_of, broadcast_all, lazy_property, logits_to_probs,
                                           probs_to_logits)

__all__ = ["Bernoulli"]


class Bernoulli(ExponentialFamily):
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        self._param = self.probs if probs is not None else self.logits
        given = probs if probs is not None else logits
        super().__init__(batch_shape_of((given,), (self._param,)), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        given = "probs" if "probs" in self.__dict__ else "logits"
        new = self._expand_parameters(Bernoulli, batch_shape, (given,), _instance)
        new._param = getattr(new, given)
        return new

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=True)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self):
        return self._param.size()

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
        values = chainrule.arange(2, dtype=self._param.dtype)
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
