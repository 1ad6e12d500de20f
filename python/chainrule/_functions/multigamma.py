"""mvlgamma, the multivariate log-gamma function of dimension p, with Tensor.mvlgamma and mvlgamma_
(torch.special.multigammaln is the same function).

mvlgamma(x, p) = p (p - 1)/4 log(pi) + sum_{j=0}^{p-1} lgamma(x - j/2), summed as PyTorch does: the
offsets -(p-1)/2 ... 0 are added along a new last dim and lgamma'd there, so values and the gradient
(sum of digamma(x - j/2), from lgamma's own) agree with PyTorch's. Like PyTorch 2.13 it checks only
p >= 1; elements at or below (p - 1)/2 give lgamma's values at its poles and negative arguments
(older PyTorch raised for them), and nothing is read back to the host.
"""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.elementwise_math import _floating
from chainrule._functions.in_place import in_place


def mvlgamma(input, p):
    """The multivariate log-gamma function of dimension p, elementwise."""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    x = _floating(input)
    offsets = _C.arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=x.dtype, device=x.device)
    return (x.unsqueeze(-1) + offsets).lgamma().sum(-1) + p * (p - 1) * math.log(math.pi) * 0.25


Tensor.mvlgamma = mvlgamma
Tensor.mvlgamma_ = in_place(mvlgamma)
