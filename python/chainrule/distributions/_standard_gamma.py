"""Gamma(concentration, 1) draws and their reparameterized gradient, side by side.

forward: Marsaglia and Tsang's method (2000) on chainrule's generator: a squeezed normal,
accepted with probability > 0.95 and redrawn elementwise until accepted; concentration < 1 is
boosted to concentration + 1 and scaled by U^(1/concentration).

backward: the implicit reparameterization gradient (Figurnov et al., 2018). The draw x keeps its
CDF value fixed, P(a, x) = u, so dx/da = -(dP/da) / p(x; a). Writing P = exp(L) S with
L = a log x - x - lgamma(a) (and p = exp(L) / x) cancels the exponentials:
    x < a + 1 (series):  S = sum_n t_n, t_n = x^n / (a (a+1) ... (a+n)),
                         dx/da = -x (S (log x - digamma(a)) + dS/da), dS/da = -sum_n t_n H_n,
                         H_n = sum_{k<=n} 1 / (a + k)          (exact);
    x >= a + 1 (continued fraction for Q = 1 - P = exp(L) C):
                         dx/da = x (C (log x - digamma(a)) + dC/da), dC/da by central
                         differences of C (smooth and O(1), relative error ~1e-9).
Computed in float64 NumPy off the graph, like PyTorch's _standard_gamma_grad (which uses
approximations good to ~1e-3).
"""
import numpy as np

import chainrule
from chainrule.autograd import Function
from chainrule._C import digamma

_MAX_TERMS = 20000  # enough for concentrations up to ~1e6
_TINY = 1e-300


def _draw(concentration):
    """Gamma(concentration, 1) draws of concentration's shape, without gradient."""
    boosted = chainrule.where(concentration < 1, concentration + 1, concentration)
    d = boosted - 1 / 3
    c = (9 * d).rsqrt()
    result = chainrule.zeros_like(concentration)
    pending = chainrule.ones_like(concentration, dtype=chainrule.bool)
    while bool(pending.any()):
        x = chainrule.randn(concentration.shape, dtype=concentration.dtype, device=concentration.device)
        v = (1 + c * x) ** 3
        log_u = chainrule.rand(concentration.shape, dtype=concentration.dtype, device=concentration.device).log()
        positive_v = v > 0
        safe_v = chainrule.where(positive_v, v, 1.0)
        accept = pending & positive_v & (log_u < 0.5 * x * x + d - d * safe_v + d * safe_v.log())
        result = chainrule.where(accept, d * safe_v, result)
        pending = pending & ~accept
    u = chainrule.rand(concentration.shape, dtype=concentration.dtype, device=concentration.device)
    boost = chainrule.where(concentration < 1, u ** concentration.reciprocal(), 1.0)
    return (result * boost).clamp(min=chainrule.finfo(concentration.dtype).tiny)


def _series(a, x):
    """S and dS/da of the series region (see the module docstring)."""
    term = 1.0 / a
    harmonic = 1.0 / a
    total, d_total = term.copy(), -term * harmonic
    for n in range(1, _MAX_TERMS):
        term = term * x / (a + n)
        harmonic = harmonic + 1.0 / (a + n)
        total += term
        d_total -= term * harmonic
        if not np.any(term > total * 1e-16):  # NaN counts as done
            break
    return total, d_total


def _continued_fraction(a, x):
    """C with Q(a, x) = exp(a log x - x - lgamma(a)) C, by Lentz's method (Numerical Recipes gcf)."""
    b = x + 1.0 - a
    c = np.full_like(x, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, _MAX_TERMS):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = d * c
        h = h * delta
        if not np.any(np.abs(delta - 1.0) >= 1e-15):  # NaN counts as done
            break
    return h


def sample_gradient(a, x):
    """dx/da for Gamma(a, 1) draws x (float64 arrays of one shape)."""
    log_x_minus_digamma = np.log(x) - digamma(chainrule.from_numpy(a)).numpy()
    grad = np.empty_like(x)
    series = x < a + 1
    if series.any():
        s, ds = _series(a[series], x[series])
        grad[series] = -x[series] * (s * log_x_minus_digamma[series] + ds)
    if (~series).any():
        aa, xx = a[~series], x[~series]
        step = 1e-5 * np.maximum(aa, 1.0)
        dc = (_continued_fraction(aa + step, xx) - _continued_fraction(aa - step, xx)) / (2 * step)
        grad[~series] = xx * (_continued_fraction(aa, xx) * log_x_minus_digamma[~series] + dc)
    return grad


class StandardGamma(Function):
    """x ~ Gamma(concentration, 1), differentiable in concentration."""

    @staticmethod
    def forward(ctx, concentration):
        x = _draw(concentration)
        ctx.save_for_backward(concentration, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        concentration, x = ctx.saved_tensors
        a = concentration.detach().cpu().numpy().astype(np.float64)  # the gradient is computed on the host
        dx_da = sample_gradient(a, x.detach().cpu().numpy().astype(np.float64))
        return grad * chainrule.tensor(dx_da, dtype=concentration.dtype, device=concentration.device)
