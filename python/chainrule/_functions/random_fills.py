"""More in-place random fills, by inverse transform of random_draws' uniform (or normal) draws, with
PyTorch's argument checks: cauchy_ (median + sigma tan(pi (U - 1/2))), log_normal_ (exp of a normal
draw) and geometric_ (the number of Bernoulli(p) trials up to the first success). No gradients."""
import math

from chainrule import _C
from chainrule._C import Tensor
from chainrule._functions.random_draws import _draw, _no_grad


def _cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fills self with Cauchy(median, sigma) samples."""
    if not self.is_floating_point():
        raise RuntimeError(f"Cauchy distribution is a continuous probability distribution. dtype must be a floating "
                           f"point but you specified {self.dtype}")
    if sigma <= 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={sigma}")
    u = _draw("uniform", self.shape, _C.dtype.float64, self.device, generator)
    with _no_grad():
        return self.copy_(median + sigma * ((u - 0.5) * math.pi).tan())


def _log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fills self with samples whose log is Normal(mean, std)."""
    if not self.is_floating_point():
        raise NotImplementedError(f"log_normal_: not implemented for {self.dtype} tensors (floating point only)")
    if std <= 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={std}")
    z = _draw("normal", self.shape, _C.dtype.float64, self.device, generator)
    with _no_grad():
        return self.copy_((mean + std * z).exp())


def _geometric_(self, p, *, generator=None):
    """Fills self with the trial count of the first success, 1, 2, ..., for success probability p."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={p}")
    u = _draw("uniform", self.shape, _C.dtype.float64, self.device, generator)
    with _no_grad():
        return self.copy_(((-u).log1p() / math.log1p(-p)).ceil().clamp(min=1))


Tensor.cauchy_ = _cauchy_
Tensor.log_normal_ = _log_normal_
Tensor.geometric_ = _geometric_
