"""ExponentialFamily: distributions with density exp(<t(x), theta> - F(theta) + k(x)). A subclass
gives its natural parameters theta (`_natural_params`), the log-normalizer F
(`_log_normalizer`) and E[k(x)] (`_mean_carrier_measure`); the entropy, and the KL between two
members of one family (kl.py), then follow from F and its gradient (a Bregman divergence), as in
PyTorch."""
import chainrule
from chainrule.distributions.distribution import Distribution

__all__ = ["ExponentialFamily"]


class ExponentialFamily(Distribution):
    @property
    def _natural_params(self):
        raise NotImplementedError

    def _log_normalizer(self, *natural_params):
        raise NotImplementedError

    @property
    def _mean_carrier_measure(self):
        raise NotImplementedError

    def entropy(self):
        """F(theta) - <theta, grad F(theta)> - E[k(x)]."""
        result = -self._mean_carrier_measure
        natural_params = [p.detach().requires_grad_() for p in self._natural_params]
        log_normalizer = self._log_normalizer(*natural_params)
        gradients = chainrule.autograd.grad(log_normalizer.sum(), natural_params, create_graph=True)
        result = result + log_normalizer
        for natural_param, gradient in zip(natural_params, gradients):
            result = result - (natural_param * gradient).reshape(tuple(self._batch_shape) + (-1,)).sum(-1)
        return result
