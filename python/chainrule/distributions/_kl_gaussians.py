"""KL divergences between Gaussians with full (MultivariateNormal) and low-rank plus diagonal
(LowRankMultivariateNormal) covariances, as PyTorch computes them: log-determinants from the
Cholesky or capacitance factors, trace terms as squared Frobenius norms of triangular solves."""
import chainrule
from chainrule.distributions._triangular import mahalanobis_squared, solve_lower
from chainrule.distributions.kl import register_kl
from chainrule.distributions.lowrank_multivariate_normal import (LowRankMultivariateNormal, _batch_lowrank_logdet,
                                                                 _batch_lowrank_mahalanobis)
from chainrule.distributions.multivariate_normal import MultivariateNormal


def _trace_xxt(matrix):
    """trace(X @ X.mT) over the last two dims."""
    return matrix.pow(2).sum((-2, -1))


def _check_event_shapes(p, q, which):
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two {which} with different event shapes cannot be computed")


def _lowrank_logdet(d):
    return _batch_lowrank_logdet(d._unbroadcasted_cov_diag, d._capacitance_tril)


def _lowrank_mahalanobis(q, x):
    return _batch_lowrank_mahalanobis(q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag, x, q._capacitance_tril)


def _woodbury_factor(q):
    """A with inv(q covariance) = inv(D) - A.mT @ A."""
    wt_dinv = q._unbroadcasted_cov_factor.mT / q._unbroadcasted_cov_diag.unsqueeze(-2)
    return solve_lower(q._capacitance_tril, wt_dinv)


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p, q):
    _check_event_shapes(p, q, "Multivariate Normals")
    half_term1 = q._half_log_det() - p._half_log_det()
    n = p.event_shape[0]
    batch_shape = tuple(chainrule.broadcast_shapes(tuple(q._unbroadcasted_scale_tril.shape)[:-2],
                                                   tuple(p._unbroadcasted_scale_tril.shape)[:-2]))
    q_scale_tril = q._unbroadcasted_scale_tril.expand(batch_shape + (n, n))
    p_scale_tril = p._unbroadcasted_scale_tril.expand(batch_shape + (n, n))
    term2 = _trace_xxt(solve_lower(q_scale_tril, p_scale_tril))
    term3 = mahalanobis_squared(q._unbroadcasted_scale_tril, q.loc - p.loc)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)
def _kl_lowrankmultivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "Low Rank Multivariate Normals")
    term1 = _lowrank_logdet(q) - _lowrank_logdet(p)
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    a = _woodbury_factor(q)
    term21 = (p._unbroadcasted_cov_diag / q._unbroadcasted_cov_diag).sum(-1)
    term22 = _trace_xxt(p._unbroadcasted_cov_factor * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term23 = _trace_xxt(a * p._unbroadcasted_cov_diag.sqrt().unsqueeze(-2))
    term24 = _trace_xxt(a.matmul(p._unbroadcasted_cov_factor))
    return 0.5 * (term1 + term21 + term22 - term23 - term24 + term3 - p.event_shape[0])


@register_kl(MultivariateNormal, LowRankMultivariateNormal)
def _kl_multivariatenormal_lowrankmultivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    term1 = _lowrank_logdet(q) - 2 * p._half_log_det()
    term3 = _lowrank_mahalanobis(q, q.loc - p.loc)
    a = _woodbury_factor(q)
    term21 = _trace_xxt(p._unbroadcasted_scale_tril * q._unbroadcasted_cov_diag.rsqrt().unsqueeze(-1))
    term22 = _trace_xxt(a.matmul(p._unbroadcasted_scale_tril))
    return 0.5 * (term1 + term21 - term22 + term3 - p.event_shape[0])


@register_kl(LowRankMultivariateNormal, MultivariateNormal)
def _kl_lowrankmultivariatenormal_multivariatenormal(p, q):
    _check_event_shapes(p, q, "(Low Rank) Multivariate Normals")
    term1 = 2 * q._half_log_det() - _lowrank_logdet(p)
    term3 = mahalanobis_squared(q._unbroadcasted_scale_tril, q.loc - p.loc)
    n = p.event_shape[0]
    batch_shape = tuple(chainrule.broadcast_shapes(tuple(q._unbroadcasted_scale_tril.shape)[:-2],
                                                   tuple(p._unbroadcasted_cov_factor.shape)[:-2]))
    q_scale_tril = q._unbroadcasted_scale_tril.expand(batch_shape + (n, n))
    p_cov_factor = p._unbroadcasted_cov_factor.expand(batch_shape + (n, p.cov_factor.shape[-1]))
    p_cov_diag_sqrt = p._unbroadcasted_cov_diag.sqrt()
    identity = chainrule.eye(n, dtype=p_cov_diag_sqrt.dtype, device=p_cov_diag_sqrt.device)
    p_cov_diag = (p_cov_diag_sqrt.unsqueeze(-1) * identity).expand(
        batch_shape + (n, n))
    term21 = _trace_xxt(solve_lower(q_scale_tril, p_cov_factor))
    term22 = _trace_xxt(solve_lower(q_scale_tril, p_cov_diag))
    return 0.5 * (term1 + term21 + term22 + term3 - n)
