"""torch.nn.utils.parametrizations: weight_norm and spectral_norm as parametrizations (the newer form).

weight_norm(module) stores g and v as module.parametrizations.weight.original0 and .original1;
spectral_norm(module) keeps the weight as module.parametrizations.weight.original and the power
iteration vectors as the buffers module.parametrizations.weight.0._u and ._v. Both are PyTorch's
state_dict keys. _SpectralNorm runs 15 power-iteration steps at registration, then
n_power_iterations in each training-mode forward (none in eval mode), as PyTorch.

Difference: PyTorch's weight_norm also loads checkpoints saved with the older nn.utils.weight_norm
(weight_g/weight_v keys) through a load_state_dict pre-hook; chainrule has no such hooks, so rename
those keys to parametrizations.weight.original0/original1 before loading.
"""
from chainrule import _C
from chainrule._C import Tensor
from chainrule.autograd.grad_mode import no_grad
from chainrule.nn import functional as F
from chainrule.nn.modules.module import Module
from chainrule.nn.utils import parametrize
from chainrule.nn.utils.spectral_norm import default_dim, reshape_weight_to_matrix
from chainrule.nn.utils.weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm", "spectral_norm"]


class _WeightNorm(Module):
    """weight = g * v / ||v||, the norm over every dim but `dim` (None: over all of v)."""

    def __init__(self, dim=0):
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name="weight", dim=0):
    """Reparametrizes module.<name> as original0 * original1 / ||original1|| (g and v)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


class _SpectralNorm(Module):
    """weight / sigma, sigma the largest singular value estimated by power iteration on buffers _u, _v;
    a 1-d weight is just normalized."""

    def __init__(self, weight, n_power_iterations=1, dim=0, eps=1e-12):
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError("Expected n_power_iterations to be positive, but got "
                             f"n_power_iterations={n_power_iterations}")
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = reshape_weight_to_matrix(weight, self.dim)
            h, w = weight_mat.shape
            u = weight_mat.new_empty(h).normal_(0, 1)
            v = weight_mat.new_empty(w).normal_(0, 1)
            self.register_buffer("_u", F.normalize(u, dim=0, eps=self.eps))
            self.register_buffer("_v", F.normalize(v, dim=0, eps=self.eps))
            self._power_method(weight_mat, 15)

    def _power_method(self, weight_mat, n_power_iterations):
        """u <- normalize(W v), v <- normalize(W^T u), in place in the buffers."""
        with no_grad():
            for _ in range(n_power_iterations):
                self._u.copy_(F.normalize(_C.mv(weight_mat, self._v), dim=0, eps=self.eps))
                self._v.copy_(F.normalize(_C.mv(weight_mat.t(), self._u), dim=0, eps=self.eps))

    def forward(self, weight):
        if weight.ndim == 1:
            return F.normalize(weight, dim=0, eps=self.eps)
        weight_mat = reshape_weight_to_matrix(weight, self.dim)
        if self.training:
            self._power_method(weight_mat, self.n_power_iterations)
        u, v = self._u.clone(), self._v.clone()
        sigma = _C.dot(u, _C.mv(weight_mat, v))
        return weight / sigma

    def right_inverse(self, value):
        return value


def spectral_norm(module, name="weight", n_power_iterations=1, eps=1e-12, dim=None):
    """Reparametrizes module.<name> as weight / sigma(weight) (dim: 0, or 1 for transposed convolutions)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    dim = default_dim(module) if dim is None else dim
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module
