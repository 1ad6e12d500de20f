"""Multinomial(total_count=1, probs= or logits=): counts of total_count Categorical draws over
K classes (event_shape (K,))."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule._C import lgamma
from chainrule.distributions.binomial import Binomial
from chainrule.distributions.categorical import CategoricalWrapper
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(CategoricalWrapper, Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._init_categorical(probs, logits, validate_args)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)

    def expand(self, batch_shape, _instance=None):
        return self._expand_categorical(Multinomial, batch_shape, _instance, copied=("total_count",))

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self):
        return constraints.multinomial(self.total_count)

    @property
    def mean(self):
        return self.probs * self.total_count

    @property
    def variance(self):
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()):
        """total_count Categorical draws per sample, counted per class."""
        draws = self._categorical.sample((self.total_count,) + tuple(sample_shape))  # (n, S..., B...)
        draws = draws.permute(*range(1, draws.dim()), 0)  # (S..., B..., n)
        one_hot = chainrule.nn.functional.one_hot(draws, self._categorical._num_events)
        return one_hot.sum(-2).to(self.probs.dtype)

    def entropy(self):
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = chainrule.exp(self._binomial.log_prob(support))
        return term1 + (binomial_probs * lgamma(support + 1)).sum([0, -1])

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits = chainrule.where((value == 0) & (logits == -math.inf), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)
