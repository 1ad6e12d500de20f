"""LKJCholesky(dim, concentration=1.): Cholesky factors of dim x dim correlation matrices under
the LKJ prior (Lewandowski, Kurowicka and Joe, 2009), sampled by the onion method from Beta draws
as PyTorch does."""
import math

import chainrule
from chainrule._tensor import Size
from chainrule.distributions import constraints
from chainrule._C import lgamma
from chainrule._functions.multigamma import mvlgamma
from chainrule.distributions.beta import Beta
from chainrule.distributions.distribution import Distribution
from chainrule.distributions.utils import broadcast_all

__all__ = ["LKJCholesky"]


class LKJCholesky(Distribution):
    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim, concentration=1.0, validate_args=None):
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        marginal_conc = self.concentration + 0.5 * (self.dim - 2)
        offset = chainrule.arange(self.dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = chainrule.cat([chainrule.zeros(1, dtype=offset.dtype, device=offset.device), offset])
        self._beta = Beta(offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.size(), Size((dim, dim)), validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(LKJCholesky, _instance)
        new.dim = self.dim
        new.concentration = self.concentration.expand(batch_shape)
        new._beta = self._beta.expand(tuple(batch_shape) + (self.dim,))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape=Size()):
        """The onion method: row i is a uniform direction scaled by sqrt(Beta) plus the diagonal."""
        with chainrule.no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            u_normal = chainrule.randn(self._extended_shape(sample_shape), dtype=y.dtype, device=y.device).tril(-1)
            u_hypersphere = u_normal / u_normal.pow(2).sum(-1, keepdim=True).sqrt()
            first_row = (chainrule.arange(self.dim, device=y.device) == 0).unsqueeze(-1)
            u_hypersphere = chainrule.where(first_row, 0.0, u_hypersphere)  # 0/0 there
            w = chainrule.sqrt(y) * u_hypersphere
            diag_elems = chainrule.clamp(1 - (w ** 2).sum(-1), min=chainrule.finfo(w.dtype).tiny).sqrt()
            return w + diag_elems.unsqueeze(-1) * chainrule.eye(self.dim, dtype=w.dtype, device=w.device)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diag_elems = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = chainrule.arange(2, self.dim + 1, dtype=self.concentration.dtype, device=self.concentration.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized_log_pdf = (order * diag_elems.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize_term = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalized_log_pdf - normalize_term
