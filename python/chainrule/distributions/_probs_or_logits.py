"""What the distributions parameterized by probs= or logits= share: the "exactly one of them"
check, the broadcast and expand of the one given, and the other one computed lazily from it
(PyTorch repeats these in every such class); and the forwarding of probs/logits by the relaxed
distributions to their base distribution."""
from chainrule.distributions.utils import broadcast_all, lazy_property, logits_to_probs, probs_to_logits

__all__ = ["ProbsOrLogits", "RelaxedWrapper", "check_probs_or_logits"]


def check_probs_or_logits(probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError("Either `probs` or `logits` must be specified, but not both.")


class ProbsOrLogits:
    """Mixin for a distribution given exactly one of probs/logits: stores it (and self._param),
    computes the other on first use. _binary: one success probability per entry (sigmoid), else
    a probability vector over the last dim (softmax)."""
    _binary = True

    def _init_probs_or_logits(self, probs, logits, *others):
        """Broadcasts the given probs or logits with `others` (listed first, so that their dtype
        leads, as in PyTorch) and stores it; returns the broadcast others."""
        check_probs_or_logits(probs, logits)
        *others, self._param = broadcast_all(*others, probs if probs is not None else logits)
        setattr(self, "probs" if probs is not None else "logits", self._param)
        return others

    def _expand_probs_or_logits(self, cls, batch_shape, _instance, names=()):
        """expand() of the named parameters and of the probs or logits given."""
        given = "probs" if "probs" in self.__dict__ else "logits"
        new = self._expand_parameters(cls, batch_shape, tuple(names) + (given,), _instance)
        new._param = getattr(new, given)
        return new

    @lazy_property
    def logits(self):
        return probs_to_logits(self.probs, is_binary=self._binary)

    @lazy_property
    def probs(self):
        return logits_to_probs(self.logits, is_binary=self._binary)

    @property
    def param_shape(self):
        return self._param.size()


class RelaxedWrapper:
    """Mixin for RelaxedBernoulli and RelaxedOneHotCategorical: the temperature, logits and probs
    of the base distribution they transform."""

    @property
    def temperature(self):
        return self.base_dist.temperature

    @property
    def logits(self):
        return self.base_dist.logits

    @property
    def probs(self):
        return self.base_dist.probs
