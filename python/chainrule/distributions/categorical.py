"""Categorical(probs= or logits=): one of K classes per batch entry, as a long index.

Logits are normalized (logits - logsumexp) and probs divided by their sum, as in PyTorch;
sample draws with chainrule.multinomial on the global generator. CategoricalWrapper is the mixin of
the distributions built on a Categorical."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule.distributions.distribution import Distribution
from chainrule.distributions._probs_or_logits import ProbsOrLogits, check_probs_or_logits

__all__ = ["Categorical", "CategoricalWrapper"]


class Categorical(ProbsOrLogits, Distribution):
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True
    _binary = False

    def __init__(self, probs=None, logits=None, validate_args=None):
        check_probs_or_logits(probs, logits)
        if probs is not None:
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
        else:
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
        self._param = self.probs if probs is not None else self.logits
        self._num_events = self._param.size()[-1]
        batch_shape = tuple(self._param.size())[:-1]
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Categorical, _instance)
        param_shape = tuple(batch_shape) + (self._num_events,)
        given = "probs" if "probs" in self.__dict__ else "logits"
        new._param = getattr(self, given).expand(param_shape)
        setattr(new, given, new._param)
        new._num_events = self._num_events
        Distribution.__init__(new, batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def mean(self):
        return chainrule.full(self._extended_shape(), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    @property
    def mode(self):
        return self.probs.argmax(dim=-1)

    @property
    def variance(self):
        return chainrule.full(self._extended_shape(), math.nan, dtype=self.probs.dtype, device=self.probs.device)

    def sample(self, sample_shape=Size()):
        sample_shape = Size(tuple(sample_shape))
        with chainrule.no_grad():
            probs_2d = self.probs.reshape(-1, self._num_events)
            samples_2d = chainrule.multinomial(probs_2d, sample_shape.numel(), True).T
        return samples_2d.reshape(self._extended_shape(sample_shape))

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        value = value.long().unsqueeze(-1)
        value, log_pmf = chainrule.broadcast_tensors(value, self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self):
        min_real = chainrule.finfo(self.logits.dtype).min
        p_log_p = chainrule.clamp(self.logits, min=min_real) * self.probs
        return -p_log_p.sum(-1)

    def enumerate_support(self, expand=True):
        values = chainrule.arange(self._num_events, dtype=chainrule.long, device=self._param.device)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values


class CategoricalWrapper:
    """Mixin for a distribution over K classes built on the Categorical in self._categorical
    (OneHotCategorical, Multinomial, ExpRelaxedCategorical): event_shape (K,), its probs, logits
    and param_shape."""

    def _init_categorical(self, probs, logits, validate_args):
        self._categorical = Categorical(probs, logits)
        Distribution.__init__(self, self._categorical.batch_shape, tuple(self._categorical.param_shape)[-1:],
                              validate_args=validate_args)

    def _expand_categorical(self, cls, batch_shape, _instance, copied=()):
        """expand(): the Categorical expanded, the `copied` attributes shared."""
        new = self._get_checked_instance(cls, _instance)
        for name in copied:
            setattr(new, name, getattr(self, name))
        new._categorical = self._categorical.expand(batch_shape)
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def probs(self):
        return self._categorical.probs

    @property
    def logits(self):
        return self._categorical.logits

    @property
    def param_shape(self):
        return self._categorical.param_shape
