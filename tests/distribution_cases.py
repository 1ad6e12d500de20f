"""The distributions the tests of chainrule.distributions build twice, once with chainrule and once
with PyTorch, from the same float64 parameter arrays: CASES, and _build to make one."""
import numpy as np

import chainrule as cr
import chainrule.distributions as D
from conftest import torch

RNG = np.random.default_rng(0)


def _positive(*shape):
    return np.abs(RNG.standard_normal(shape)) + 0.5


def _probs(*shape):
    p = RNG.uniform(0.1, 1.0, shape)
    return p / p.sum(-1, keepdims=True)


def _lower(*shape):
    """Batched lower-triangular matrices with positive diagonals."""
    m = np.tril(RNG.standard_normal(shape))
    i = np.arange(shape[-1])
    m[..., i, i] = np.abs(m[..., i, i]) + 0.5
    return m


def _spd(lib, b):
    """A symmetric positive definite matrix built from a free leaf b (so gradients compare)."""
    identity = np.eye(b.shape[-1]) if lib is np else lib.eye(b.shape[-1], dtype=b.dtype, device=b.device)
    return lib.matmul(b, b.mT) + identity


_ONE_HOT = np.eye(4)[RNG.integers(0, 4, (5, 2))]
_ABOVE_ONE = 1 + _positive(4, 3)


def _correlation_cholesky(n, dim):
    """n Cholesky factors of random dim x dim correlation matrices."""
    a = RNG.standard_normal((n, dim, dim + 2))
    covariance = a @ a.swapaxes(-1, -2)
    scale = 1 / np.sqrt(np.diagonal(covariance, axis1=-2, axis2=-1))
    return np.linalg.cholesky(covariance * scale[..., :, None] * scale[..., None, :])

# name -> (make(lib, dists, *parameters), parameter arrays, the value scored (or a function of the
# parameter arrays giving it, for supports that depend on the parameters))
CASES = {
    "Normal": (lambda lib, d, loc, scale: d.Normal(loc, scale),
               [RNG.standard_normal(3), _positive(3)], RNG.standard_normal((4, 3))),
    "Laplace": (lambda lib, d, loc, scale: d.Laplace(loc, scale),
                [RNG.standard_normal(3), _positive(3)], RNG.standard_normal((4, 3))),
    "Uniform": (lambda lib, d, low, width: d.Uniform(low, low + width),
                [RNG.standard_normal(3), _positive(3)],
                lambda low, width: low + np.linspace(0.1, 0.9, 4)[:, None] * width),
    "Pareto": (lambda lib, d, scale, alpha: d.Pareto(scale, alpha), [_positive(3), _positive(3) * 2],
               lambda scale, alpha: scale * _ABOVE_ONE),
    "Weibull": (lambda lib, d, scale, concentration: d.Weibull(scale, concentration),
                [_positive(3), np.array([0.7, 1.5, 3.0])], _positive(4, 3)),
    "NegativeBinomial-probs": (lambda lib, d, total, p: d.NegativeBinomial(total, probs=p),
                               [_positive(3) * 3, RNG.uniform(0.1, 0.9, 3)], RNG.integers(0, 9, (4, 3)) * 1.0),
    "NegativeBinomial-logits": (lambda lib, d, total, logits: d.NegativeBinomial(total, logits=logits),
                                [_positive(3) * 3, RNG.standard_normal(3)], RNG.integers(0, 9, (4, 3)) * 1.0),
    "Exponential": (lambda lib, d, rate: d.Exponential(rate), [_positive(3)], _positive(4, 3)),
    "Poisson": (lambda lib, d, rate: d.Poisson(rate), [_positive(3) * 3], RNG.integers(0, 8, (4, 3)) * 1.0),
    "Bernoulli-probs": (lambda lib, d, p: d.Bernoulli(probs=p), [RNG.uniform(0.1, 0.9, 3)],
                        RNG.integers(0, 2, (4, 3)) * 1.0),
    "Bernoulli-logits": (lambda lib, d, logits: d.Bernoulli(logits=logits), [RNG.standard_normal(3)],
                         RNG.integers(0, 2, (4, 3)) * 1.0),
    "Categorical-probs": (lambda lib, d, p: d.Categorical(probs=p), [_probs(2, 4)], RNG.integers(0, 4, (5, 2))),
    "Categorical-logits": (lambda lib, d, logits: d.Categorical(logits=logits), [RNG.standard_normal((2, 4))],
                           RNG.integers(0, 4, (5, 2))),
    "OneHotCategorical": (lambda lib, d, logits: d.OneHotCategorical(logits=logits),
                          [RNG.standard_normal((2, 4))], _ONE_HOT),
    "Independent": (lambda lib, d, loc, scale: d.Independent(d.Normal(loc, scale), 1),
                    [RNG.standard_normal((2, 3)), _positive(2, 3)], RNG.standard_normal((4, 2, 3))),
    "Gamma": (lambda lib, d, concentration, rate: d.Gamma(concentration, rate),
              [np.array([0.3, 1.0, 4.0]), _positive(3)], _positive(4, 3)),
    "Beta": (lambda lib, d, a, b: d.Beta(a, b), [_positive(3), np.array([0.4, 1.0, 3.0])],
             RNG.uniform(0.05, 0.95, (4, 3))),
    "Dirichlet": (lambda lib, d, concentration: d.Dirichlet(concentration),
                  [np.array([[0.5, 0.7, 0.9], [1.5, 2.0, 0.6]])], _probs(4, 2, 3)),
    "Mixture": (lambda lib, d, logits, loc, scale: d.MixtureSameFamily(
        d.Categorical(logits=logits), d.Normal(loc, scale)),
        [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3)), _positive(2, 3)], RNG.standard_normal((4, 2))),
    "Mixture-2d": (lambda lib, d, logits, loc, scale: d.MixtureSameFamily(
        d.Categorical(logits=logits), d.Independent(d.Normal(loc, scale), 1)),
        [RNG.standard_normal(3), RNG.standard_normal((3, 2)), _positive(3, 2)], RNG.standard_normal((4, 2))),
    "LogNormal": (lambda lib, d, loc, scale: d.LogNormal(loc, scale),
                  [RNG.standard_normal(3), _positive(3)], _positive(4, 3)),
    "HalfNormal": (lambda lib, d, scale: d.HalfNormal(scale), [_positive(3)], _positive(4, 3)),
    "Transformed": (lambda lib, d, loc, scale: d.TransformedDistribution(d.Normal(loc, scale), [
        d.AffineTransform(0.5, 2.0), d.SoftplusTransform(),
        d.AffineTransform(0.0, lib.tensor(0.3, dtype=lib.float64, device=loc.device)),
        d.ExpTransform().inv.inv, d.SigmoidTransform(), d.AffineTransform(-0.5, 1.5), d.TanhTransform()]),
        [RNG.standard_normal(3), _positive(3)], RNG.uniform(0.56, 0.74, (4, 3))),
    "Cauchy": (lambda lib, d, loc, scale: d.Cauchy(loc, scale),
               [RNG.standard_normal(3), _positive(3)], RNG.standard_normal((4, 3))),
    "HalfCauchy": (lambda lib, d, scale: d.HalfCauchy(scale), [_positive(3)], _positive(4, 3)),
    "Gumbel": (lambda lib, d, loc, scale: d.Gumbel(loc, scale),
               [RNG.standard_normal(3), _positive(3)], RNG.standard_normal((4, 3))),
    "Geometric-probs": (lambda lib, d, p: d.Geometric(probs=p), [RNG.uniform(0.1, 0.9, 3)],
                        RNG.integers(0, 6, (4, 3)) * 1.0),
    "Geometric-logits": (lambda lib, d, logits: d.Geometric(logits=logits), [RNG.standard_normal(3)],
                         RNG.integers(0, 6, (4, 3)) * 1.0),
    "Binomial-probs": (lambda lib, d, p: d.Binomial(5, probs=p), [RNG.uniform(0.1, 0.9, 3)],
                       RNG.integers(0, 6, (4, 3)) * 1.0),
    "Binomial-logits": (lambda lib, d, logits: d.Binomial(lib.full((3,), 5.0, dtype=lib.float64, device=logits.device),
                                                                      logits=logits),
                        [RNG.standard_normal(3)], RNG.integers(0, 6, (4, 3)) * 1.0),
    "Chi2": (lambda lib, d, df: d.Chi2(df), [_positive(3) * 2], _positive(4, 3)),
    "StudentT": (lambda lib, d, df, loc, scale: d.StudentT(df, loc, scale),
                 [np.array([0.5, 1.5, 4.0]), RNG.standard_normal(3), _positive(3)], RNG.standard_normal((4, 3))),
    "Multinomial": (lambda lib, d, p: d.Multinomial(6, probs=p), [_probs(2, 3)],
                    RNG.multinomial(6, [0.2, 0.3, 0.5], size=(4, 2)) * 1.0),
    "RelaxedOneHotCategorical": (lambda lib, d, temperature, logits: d.RelaxedOneHotCategorical(
        temperature, logits=logits), [np.array(0.7), RNG.standard_normal((2, 3))], _probs(4, 2, 3)),
    "RelaxedBernoulli": (lambda lib, d, temperature, p: d.RelaxedBernoulli(temperature, probs=p),
                         [np.array(0.7), RNG.uniform(0.1, 0.9, 3)], RNG.uniform(0.05, 0.95, (4, 3))),
    "ContinuousBernoulli-probs": (lambda lib, d, p: d.ContinuousBernoulli(probs=p),
                                  [np.array([0.2, 0.4995, 0.9])], RNG.uniform(0.05, 0.95, (4, 3))),
    "ContinuousBernoulli-logits": (lambda lib, d, logits: d.ContinuousBernoulli(logits=logits),
                                   [np.array([-1.5, 0.001, 2.0])], RNG.uniform(0.05, 0.95, (4, 3))),
    "LowRankMVN": (lambda lib, d, loc, factor, diag: d.LowRankMultivariateNormal(loc, factor, diag),
                   [RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)), _positive(2, 3)],
                   RNG.standard_normal((3, 2, 3))),
    "Kumaraswamy": (lambda lib, d, a, b: d.Kumaraswamy(a, b), [_positive(3) + 0.6, np.array([0.7, 1.5, 3.0])],
                    RNG.uniform(0.05, 0.95, (4, 3))),
    "VonMises": (lambda lib, d, loc, concentration: d.VonMises(loc, concentration),
                 [RNG.standard_normal(3), np.array([0.5, 3.0, 8.0])], RNG.uniform(-3.0, 3.0, (4, 3))),
    "LKJCholesky": (lambda lib, d, concentration: d.LKJCholesky(3, concentration), [np.array([0.5, 2.0])],
                    _correlation_cholesky(4, 3)[:, None]),
    "Wishart": (lambda lib, d, df, b: d.Wishart(df, covariance_matrix=_spd(lib, b)),
                [np.array([4.5, 6.0]), RNG.standard_normal((2, 3, 3))], _spd(np, RNG.standard_normal((4, 2, 3, 3)))),
    "InverseGamma": (lambda lib, d, concentration, rate: d.InverseGamma(concentration, rate),
                     [np.array([0.8, 2.5, 4.0]), _positive(3)], _positive(4, 3)),
    "FisherSnedecor": (lambda lib, d, df1, df2: d.FisherSnedecor(df1, df2),
                       [np.array([1.5, 3.0, 6.0]), np.array([1.5, 3.0, 9.0])], _positive(4, 3)),
    "LogisticNormal": (lambda lib, d, loc, scale: d.LogisticNormal(loc, scale),
                       [RNG.standard_normal((2, 3)), _positive(2, 3)], _probs(4, 2, 4)),
    "MVN-scale_tril": (lambda lib, d, loc, tril: d.MultivariateNormal(loc, scale_tril=tril),
                       [RNG.standard_normal((2, 3)), _lower(2, 3, 3)], RNG.standard_normal((4, 2, 3))),
    "MVN-covariance": (lambda lib, d, loc, b: d.MultivariateNormal(loc, covariance_matrix=_spd(lib, b)),
                       [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3, 3))], RNG.standard_normal((4, 2, 3))),
    "MVN-precision": (lambda lib, d, loc, b: d.MultivariateNormal(loc, precision_matrix=_spd(lib, b)),
                      [RNG.standard_normal(3), RNG.standard_normal((3, 3))], RNG.standard_normal((4, 2, 3))),
}


# PyTorch's Multinomial.entropy takes lgamma(total_count + 1) of an int64 tensor, so in float32
# (off by 7.7e-8 for total_count 6); chainrule's is exact.
VALUE_ATOL = {"Multinomial": 1e-7}


def _build(case, lib):
    make, params, value = CASES[case]
    leaves = [lib.tensor(p, dtype=lib.float64, requires_grad=True) for p in params]
    dists = D if lib is cr else torch.distributions
    dist = make(lib, dists, *leaves)
    if callable(value):
        value = value(*params)
    dtype = lib.long if value.dtype.kind == "i" else lib.float64
    return dist, leaves, lib.tensor(value, dtype=dtype)


def _build_from(case, lib, parameters):
    make = CASES[case][0]
    return make(lib, D if lib is cr else torch.distributions, *parameters)
