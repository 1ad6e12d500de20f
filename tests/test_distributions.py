"""chainrule.distributions against torch.distributions: log_prob, entropy, moments, cdf and KL
equal PyTorch's in float64 with their parameter gradients; sample shapes and statistics;
validation errors; rsample gradients (analytic, implicit Gamma ones, SAC-style tanh policy); a
REINFORCE bandit and an actor-critic program that learn."""
import json
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D
from conftest import requires_torch, torch

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
    return lib.matmul(b, b.mT) + lib.eye(b.shape[-1], dtype=b.dtype)


_ONE_HOT = np.eye(4)[RNG.integers(0, 4, (5, 2))]
_ABOVE_ONE = 1 + _positive(4, 3)

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
        d.AffineTransform(0.5, 2.0), d.SoftplusTransform(), d.AffineTransform(0.0, lib.tensor(0.3, dtype=lib.float64)),
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
    "Binomial-logits": (lambda lib, d, logits: d.Binomial(lib.full((3,), 5.0, dtype=lib.float64), logits=logits),
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
    "MVN-scale_tril": (lambda lib, d, loc, tril: d.MultivariateNormal(loc, scale_tril=tril),
                       [RNG.standard_normal((2, 3)), _lower(2, 3, 3)], RNG.standard_normal((4, 2, 3))),
    "MVN-covariance": (lambda lib, d, loc, b: d.MultivariateNormal(loc, covariance_matrix=_spd(lib, b)),
                       [RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3, 3))], RNG.standard_normal((4, 2, 3))),
    "MVN-precision": (lambda lib, d, loc, b: d.MultivariateNormal(loc, precision_matrix=_spd(lib, b)),
                      [RNG.standard_normal(3), RNG.standard_normal((3, 3))], RNG.standard_normal((4, 2, 3))),
}


# Their entropies and KLs differentiate digamma: PyTorch's trigamma is accurate to about 1e-9
# (against mpmath), chainrule's composed one to 1e-15, so their gradients agree to 1e-9 only.
GRADIENT_ATOL = {"Gamma": 1e-8, "Beta": 1e-8, "Dirichlet": 1e-8, "Chi2": 1e-8, "StudentT": 1e-8,
                 "NegativeBinomial-probs": 1e-8, "NegativeBinomial-logits": 1e-8}
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


def _has_cdf(dist, value):
    try:
        dist.cdf(value)
        return True
    except NotImplementedError:
        return False


def _quantities(dist, value, with_cdf):
    out = {"log_prob": dist.log_prob(value)}
    for name in ("entropy", "mean", "variance", "stddev", "mode"):
        try:
            out[name] = getattr(dist, name)() if name == "entropy" else getattr(dist, name)
        except NotImplementedError:  # Poisson has no entropy, in PyTorch either
            pass
    if with_cdf:
        out["cdf"] = dist.cdf(value)
    return out


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_matches_torch_with_parameter_gradients(case):
    dist, leaves, value = _build(case, cr)
    tdist, tleaves, tvalue = _build(case, torch)
    assert dist.batch_shape == tuple(tdist.batch_shape) and dist.event_shape == tuple(tdist.event_shape)
    assert dist.has_rsample == tdist.has_rsample
    with_cdf = _has_cdf(dist, value)  # chainrule has no Gamma cdf (gammainc) yet
    ours, theirs = _quantities(dist, value, with_cdf), _quantities(tdist, tvalue, with_cdf)
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_allclose(ours[name].detach().numpy(), theirs[name].detach().numpy(), rtol=1e-10,
                                   atol=VALUE_ATOL.get(case, 1e-12), equal_nan=True, err_msg=f"{case}.{name}")
    # One weighted sum of every differentiable quantity; its gradient w.r.t. each parameter.
    weights = {name: RNG.standard_normal(tuple(t.shape)) for name, t in theirs.items()}
    differentiable = [n for n in ours if ours[n].requires_grad and n != "mode"]
    total = sum((ours[n] * cr.tensor(weights[n])).sum() for n in differentiable)
    ttotal = sum((theirs[n] * torch.tensor(weights[n])).sum() for n in differentiable)
    total.backward()
    ttotal.backward()
    for leaf, tleaf in zip(leaves, tleaves):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-8,
                                   atol=GRADIENT_ATOL.get(case, 1e-10), err_msg=f"{case} parameter gradient")


KL_CASES = {
    "Normal": ("Normal", "Normal"),
    "Laplace": ("Laplace", "Laplace"),
    "Exponential": ("Exponential", "Exponential"),
    "Poisson": ("Poisson", "Poisson"),
    "Gamma": ("Gamma", "Gamma"),
    "Beta": ("Beta", "Beta"),
    "Dirichlet": ("Dirichlet", "Dirichlet"),
    "Bernoulli": ("Bernoulli-probs", "Bernoulli-logits"),
    "Categorical": ("Categorical-probs", "Categorical-logits"),
    "OneHotCategorical": ("OneHotCategorical", "OneHotCategorical"),
    "Independent": ("Independent", "Independent"),
    "LogNormal": ("LogNormal", "LogNormal"),
    "Cauchy": ("Cauchy", "Cauchy"),
    "Pareto": ("Pareto", "Pareto"),
    "Gumbel": ("Gumbel", "Gumbel"),
    "Geometric": ("Geometric-probs", "Geometric-logits"),
    "Binomial": ("Binomial-probs", "Binomial-logits"),
    "MultivariateNormal": ("MVN-scale_tril", "MVN-covariance"),
}


@requires_torch
@pytest.mark.parametrize("pair", KL_CASES)
def test_kl_divergence_matches_torch(pair):
    p_case, q_case = KL_CASES[pair]
    p, p_leaves, _ = _build(p_case, cr)
    q, q_leaves, _ = _build(q_case, cr)
    tp, tp_leaves, _ = _build(p_case, torch)
    tq, tq_leaves, _ = _build(q_case, torch)
    if p_case == q_case:  # the same parameters: q from them transformed, so that KL > 0
        q = _build_from(p_case, cr, [x * 2 if i == 0 else x + 0.5 for i, x in enumerate(q_leaves)])
        tq = _build_from(p_case, torch, [x * 2 if i == 0 else x + 0.5 for i, x in enumerate(tq_leaves)])
    kl, tkl = D.kl_divergence(p, q), torch.distributions.kl_divergence(tp, tq)
    np.testing.assert_allclose(kl.detach().numpy(), tkl.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = RNG.standard_normal(tuple(tkl.shape))
    (kl * cr.tensor(weights)).sum().backward()
    (tkl * torch.tensor(weights)).sum().backward()
    for leaf, tleaf in zip(p_leaves + q_leaves, tp_leaves + tq_leaves):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-8,
                                   atol=GRADIENT_ATOL.get(pair, 1e-10))


@requires_torch
def test_kl_uniform_and_infinite_cases_match_torch():
    t = torch.distributions
    pairs = [((0.0, 1.0), (-1.0, 2.0)), ((0.0, 1.0), (0.5, 2.0))]
    for (a, b), (c, d) in pairs:
        ours = D.kl_divergence(D.Uniform(a, b), D.Uniform(c, d))
        theirs = t.kl_divergence(t.Uniform(a, b), t.Uniform(c, d))
        assert ours.item() == pytest.approx(theirs.item())
    probs = cr.tensor([0.0, 1.0, 0.5], dtype=cr.float64)
    other = cr.tensor([0.5, 0.0, 1.0], dtype=cr.float64)
    ours = D.kl_divergence(D.Bernoulli(probs), D.Bernoulli(other))
    theirs = t.kl_divergence(t.Bernoulli(torch.tensor(probs.numpy())), t.Bernoulli(torch.tensor(other.numpy())))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours = D.kl_divergence(D.Categorical(probs=cr.tensor([0.5, 0.5, 0.0])),
                           D.Categorical(probs=cr.tensor([1.0, 0.0, 0.0])))
    theirs = t.kl_divergence(t.Categorical(probs=torch.tensor([0.5, 0.5, 0.0])),
                             t.Categorical(probs=torch.tensor([1.0, 0.0, 0.0])))
    assert ours.item() == theirs.item() == math.inf


def test_kl_dispatch_errors_and_register_kl():
    message = "No KL\\(p \\|\\| q\\) is implemented for p type Normal and q type Laplace"
    with pytest.raises(NotImplementedError, match=message):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Laplace(0.0, 1.0))

    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Normal)
    def _kl_shifted(p, q):
        return cr.tensor(42.0)

    assert D.kl_divergence(Shifted(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), Shifted(0.0, 1.0)).item() == 0.0  # Normal-Normal still
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


SAMPLE_SHAPE_CASES = ["Normal", "Laplace", "Uniform", "Exponential", "Poisson", "Gamma", "Beta", "Dirichlet",
                      "Bernoulli-probs", "Categorical-logits", "OneHotCategorical", "Independent", "MVN-scale_tril",
                      "Mixture", "Mixture-2d", "LogNormal", "HalfNormal", "Transformed", "Cauchy", "HalfCauchy",
                      "Gumbel", "Geometric-probs", "Binomial-probs", "Chi2", "StudentT", "Multinomial",
                      "RelaxedOneHotCategorical", "RelaxedBernoulli", "Pareto", "Weibull", "NegativeBinomial-probs"]


@pytest.mark.parametrize("case", SAMPLE_SHAPE_CASES)
def test_sample_shapes(case):
    make, params, _ = CASES[case]
    dist = make(cr, D, *[cr.tensor(p) for p in params])
    full = tuple(dist.batch_shape) + tuple(dist.event_shape)
    assert tuple(dist.sample().shape) == full
    assert tuple(dist.sample((5,)).shape) == (5,) + full
    assert tuple(dist.sample(cr.Size([2, 3])).shape) == (2, 3) + full
    assert not dist.sample((2,)).requires_grad
    if dist.has_rsample:
        assert tuple(dist.rsample((4,)).shape) == (4,) + full
    expanded = dist.expand((7,) + tuple(dist.batch_shape))
    assert tuple(expanded.sample().shape) == (7,) + full
    assert tuple(expanded.log_prob(dist.sample()).shape) == (7,) + tuple(dist.batch_shape)


N = 20000


@pytest.mark.parametrize("dist, mean, var", [
    (lambda: D.Normal(cr.tensor([1.0, -2.0]), cr.tensor([0.5, 2.0])), [1.0, -2.0], [0.25, 4.0]),
    (lambda: D.Laplace(cr.tensor([0.5]), cr.tensor([1.5])), [0.5], [4.5]),
    (lambda: D.Uniform(cr.tensor([-1.0]), cr.tensor([3.0])), [1.0], [16 / 12]),
    (lambda: D.Exponential(cr.tensor([2.0])), [0.5], [0.25]),
    (lambda: D.Poisson(cr.tensor([3.5])), [3.5], [3.5]),
    (lambda: D.Gamma(cr.tensor([0.4, 3.0]), cr.tensor([2.0, 0.5])), [0.2, 6.0], [0.1, 12.0]),
    (lambda: D.Beta(cr.tensor([0.5]), cr.tensor([2.0])), [0.2], [0.2 * 0.8 / 3.5]),
    (lambda: D.Dirichlet(cr.tensor([1.0, 2.0, 3.0])), [1 / 6, 2 / 6, 3 / 6], [5 / 252, 8 / 252, 9 / 252]),
    (lambda: D.Bernoulli(probs=cr.tensor([0.2, 0.7])), [0.2, 0.7], [0.16, 0.21]),
    (lambda: D.Categorical(probs=cr.tensor([0.2, 0.3, 0.5])), [1.3], [0.61]),
    (lambda: D.OneHotCategorical(logits=cr.tensor([0.0, 1.0]).log()), [0.0, 1.0], [0.0, 0.0]),
    (lambda: D.Gumbel(cr.tensor([1.0]), cr.tensor([2.0])), [1.0 + 2.0 * 0.5772156649], [math.pi ** 2 / 6 * 4]),
    (lambda: D.Geometric(probs=cr.tensor([0.3])), [0.7 / 0.3], [0.7 / 0.09]),
    (lambda: D.Binomial(10, probs=cr.tensor([0.3])), [3.0], [2.1]),
    (lambda: D.Multinomial(10, probs=cr.tensor([0.2, 0.3, 0.5])), [2.0, 3.0, 5.0], [1.6, 2.1, 2.5]),
    (lambda: D.Chi2(cr.tensor([3.0])), [3.0], [6.0]),
    (lambda: D.Weibull(cr.tensor([2.0]), cr.tensor([1.0])), [2.0], [4.0]),
    (lambda: D.Pareto(cr.tensor([1.0]), cr.tensor([5.0])), [1.25], [5 / 48]),
    (lambda: D.NegativeBinomial(3.0, probs=cr.tensor([0.4])), [2.0], [2.0 / 0.6]),
    (lambda: D.StudentT(cr.tensor([8.0]), 1.0, 2.0), [1.0], [4.0 * 8 / 6]),
    (lambda: D.LogNormal(cr.tensor([0.0]), cr.tensor([0.5])), [math.exp(0.125)], [math.expm1(0.25) * math.exp(0.25)]),
    (lambda: D.HalfNormal(cr.tensor([2.0])), [2.0 * math.sqrt(2 / math.pi)], [4.0 * (1 - 2 / math.pi)]),
    (lambda: D.MixtureSameFamily(D.Categorical(probs=cr.tensor([0.3, 0.7])),
                                 D.Normal(cr.tensor([-2.0, 3.0]), cr.tensor([0.5, 1.0]))), [1.5], [6.025]),
    (lambda: D.MultivariateNormal(cr.tensor([1.0, 2.0]), scale_tril=cr.tensor([[1.0, 0.0], [0.5, 2.0]])),
     [1.0, 2.0], [1.0, 4.25]),
])
def test_sample_statistics(dist, mean, var):
    cr.manual_seed(0)
    samples = dist().sample((N,)).double().numpy()
    std = np.sqrt(np.asarray(var))
    np.testing.assert_allclose(samples.mean(0), mean, atol=5 * std.max() / math.sqrt(N) + 1e-9)
    np.testing.assert_allclose(samples.var(0), var, rtol=0.06, atol=1e-9)


def test_samples_follow_manual_seed():
    dist = D.Categorical(logits=cr.zeros(5))
    cr.manual_seed(7)
    first = dist.sample((10,)), D.Normal(0.0, 1.0).sample((3,)), D.Poisson(2.0).sample((3,))
    cr.manual_seed(7)
    second = dist.sample((10,)), D.Normal(0.0, 1.0).sample((3,)), D.Poisson(2.0).sample((3,))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_mvn_covariance_off_diagonal_from_samples():
    cr.manual_seed(0)
    cov = np.array([[1.0, 0.5], [0.5, 4.25]])
    samples = D.MultivariateNormal(cr.zeros(2, dtype=cr.float64), covariance_matrix=cr.tensor(cov)).sample((N,))
    np.testing.assert_allclose(np.cov(samples.numpy().T), cov, atol=0.12)


def test_normal_rsample_gradient_is_the_analytic_one():
    loc = cr.tensor([0.3, -1.0], dtype=cr.float64, requires_grad=True)
    scale = cr.tensor([2.0, 0.5], dtype=cr.float64, requires_grad=True)
    x = D.Normal(loc, scale).rsample((100,))
    x.sum().backward()
    eps = ((x - loc) / scale).detach()  # the standard normal draw behind x
    np.testing.assert_allclose(loc.grad.numpy(), [100.0, 100.0])
    np.testing.assert_allclose(scale.grad.numpy(), eps.sum(0).numpy(), rtol=1e-12)


def test_rsample_gradients_flow_for_reparameterized_distributions():
    rate = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    x = D.Exponential(rate).rsample((50,))
    x.sum().backward()
    np.testing.assert_allclose(rate.grad.item(), (-x / rate).sum().item(), rtol=1e-12)  # d(e/rate)/drate
    tril = cr.tensor([[1.0, 0.0], [0.3, 2.0]], dtype=cr.float64, requires_grad=True)
    D.MultivariateNormal(cr.zeros(2, dtype=cr.float64), scale_tril=tril).rsample((8,)).pow(2).sum().backward()
    assert tril.grad is not None and tril.grad.abs().sum().item() > 0
    assert not D.Categorical(logits=cr.zeros(3)).has_rsample
    with pytest.raises(NotImplementedError):
        D.Categorical(logits=cr.zeros(3)).rsample()


@requires_torch
@pytest.mark.parametrize("make", [
    lambda d, t: d.Normal(t([0.0, 1.0]), t([1.0, -1.0])),
    lambda d, t: d.Bernoulli(probs=t([0.5, 1.5])),
    lambda d, t: d.Categorical(probs=t([[0.5, -0.1]])),
    lambda d, t: d.Exponential(t([0.0])),
    lambda d, t: d.Uniform(t([1.0]), t([0.0])),
    lambda d, t: d.MultivariateNormal(t([0.0, 0.0]), scale_tril=t([[1.0, 0.0], [0.0, -1.0]])),
    lambda d, t: d.MultivariateNormal(t([0.0, 0.0]), covariance_matrix=t([[1.0, 2.0], [2.0, 1.0]])),
])
def test_invalid_parameters_raise_torchs_value_error(make):
    with pytest.raises(ValueError) as theirs:
        make(torch.distributions, torch.tensor)
    with pytest.raises(ValueError) as ours:
        make(D, cr.tensor)
    assert str(ours.value).split(" of distribution ")[0] == str(theirs.value).split(" of distribution ")[0]
    assert str(ours.value).split("to satisfy the constraint ")[1].split(",")[0] == \
        str(theirs.value).split("to satisfy the constraint ")[1].split(",")[0]


@requires_torch
@pytest.mark.parametrize("make, value", [
    (lambda d, t: d.Categorical(probs=t([0.2, 0.8])), [3]),
    (lambda d, t: d.Uniform(0.0, 1.0), 2.0),
    (lambda d, t: d.Bernoulli(probs=t([0.3])), [0.5]),
    (lambda d, t: d.Exponential(t([1.0])), [-1.0]),
    (lambda d, t: d.Poisson(t([1.0])), [1.5]),
    (lambda d, t: d.OneHotCategorical(probs=t([0.5, 0.5])), [1.0, 1.0]),
])
def test_values_outside_the_support_raise_torchs_value_error(make, value):
    with pytest.raises(ValueError) as theirs:
        make(torch.distributions, torch.tensor).log_prob(torch.tensor(value))
    with pytest.raises(ValueError) as ours:
        make(D, cr.tensor).log_prob(cr.tensor(value))
    head = str(theirs.value).split(" of the distribution ")[0]
    assert str(ours.value).split(" of the distribution ")[0] == head
    assert str(ours.value).endswith(str(theirs.value).split("invalid values:\n")[1].replace("torch", "chainrule"))


def test_shape_and_argument_errors():
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified, but not both."):
        D.Categorical(probs=cr.ones(2), logits=cr.ones(2))
    with pytest.raises(ValueError, match="Either `probs` or `logits` must be specified"):
        D.Bernoulli()
    with pytest.raises(ValueError, match="`logits` parameter must be at least one-dimensional."):
        D.Categorical(logits=cr.tensor(1.0))
    with pytest.raises(ValueError, match="Value is not broadcastable with batch_shape\\+event_shape"):
        D.Normal(cr.zeros(3), 1.0).log_prob(cr.zeros(2))
    with pytest.raises(ValueError, match="The right-most size of value must match event_shape"):
        D.MultivariateNormal(cr.zeros(3), scale_tril=cr.eye(3)).log_prob(cr.zeros(2))
    with pytest.raises(ValueError, match="The value argument to log_prob must be a Tensor"):
        D.Normal(0.0, 1.0).log_prob(0.5)
    with pytest.raises(ValueError, match="Exactly one of covariance_matrix or precision_matrix or scale_tril"):
        D.MultivariateNormal(cr.zeros(2))
    with pytest.raises(ValueError, match="Expected reinterpreted_batch_ndims <= len\\(base_distribution"):
        D.Independent(D.Normal(cr.zeros(3), 1.0), 2)


def test_validation_can_be_turned_off():
    assert math.isnan(D.Normal(0.0, -1.0, validate_args=False).log_prob(cr.tensor(0.0)).item())
    assert D.Categorical(probs=cr.tensor([0.5, 0.5]), validate_args=False).log_prob(cr.tensor(0)).item() < 0
    D.Distribution.set_default_validate_args(False)
    try:
        D.Normal(0.0, -1.0).log_prob(cr.tensor(0.0))
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        D.Normal(0.0, -1.0)
    with pytest.raises(ValueError):
        D.Distribution.set_default_validate_args("yes")


@requires_torch
def test_repr_properties_and_support_like_torch():
    t = torch.distributions
    pairs = [(D.Normal(0.0, 1.0), t.Normal(0.0, 1.0)), (D.Uniform(0.0, 2.0), t.Uniform(0.0, 2.0))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        assert repr(ours.support) == repr(theirs.support)
    assert repr(D.Categorical(logits=cr.zeros(3)).support) == repr(t.Categorical(logits=torch.zeros(3)).support)
    assert repr(D.Independent(D.Normal(cr.zeros(3), 1.0), 1).support) == \
        repr(t.Independent(t.Normal(torch.zeros(3), 1.0), 1).support)
    assert D.Categorical(logits=cr.tensor([0.0, 2.0, 1.0])).mode.item() == 1
    assert D.Categorical(logits=cr.zeros(2, 3)).enumerate_support().shape == (3, 2)
    assert D.Bernoulli(0.3).perplexity().item() == pytest.approx(t.Bernoulli(0.3).perplexity().item())


def test_reinforce_learns_the_better_arm_of_a_bandit():
    """pytorch/examples' reinforce.py in miniature: arm 1 pays 1, arm 0 pays 0."""
    cr.manual_seed(0)
    logits = cr.zeros(2, requires_grad=True)
    optimizer = cr.optim.Adam([logits], lr=0.1)
    for _ in range(100):
        policy = D.Categorical(logits=logits)
        actions = policy.sample((16,))
        rewards = actions.float()
        advantage = rewards - rewards.mean()
        loss = -(policy.log_prob(actions) * advantage).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    probs = D.Categorical(logits=logits).probs
    assert probs[1].item() > 0.95, probs


def test_actor_critic_program_runs_with_only_the_import_changed():
    """tests/programs/actor_critic.py (pytorch/examples' actor_critic.py on a corridor) learns to
    walk right under chainrule; a random policy's running reward would stay near 0."""
    programs = pathlib.Path(__file__).resolve().parent / "programs"
    result = subprocess.run([sys.executable, str(programs / "run_program.py"), "--backend", "chainrule",
                             str(programs / "actor_critic.py")], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["running_reward"] > 0.8 and summary["min_prob_right"] > 0.8, summary


def test_composed_cholesky_and_triangular_solve():
    """_triangular.py against NumPy, and gradchecked (MultivariateNormal's gradients rest on them)."""
    from chainrule.autograd import gradcheck
    from chainrule.distributions._triangular import cholesky, solve_lower
    b = RNG.standard_normal((2, 4, 4))
    spd = b @ b.swapaxes(-1, -2) + np.eye(4)
    np.testing.assert_allclose(cholesky(cr.tensor(spd)).numpy(), np.linalg.cholesky(spd), rtol=1e-12, atol=1e-12)
    tril, rhs = _lower(2, 4, 4), RNG.standard_normal((3, 2, 4, 2))
    np.testing.assert_allclose(solve_lower(cr.tensor(tril), cr.tensor(rhs)).numpy(),
                               np.linalg.solve(tril, rhs), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda m: cholesky(m @ m.mT + cr.eye(4, dtype=cr.float64)),
                     [cr.tensor(b, requires_grad=True)])
    assert gradcheck(solve_lower, [cr.tensor(tril, requires_grad=True), cr.tensor(rhs, requires_grad=True)])
    assert math.isnan(cholesky(cr.tensor([[1.0, 2.0], [2.0, 1.0]]))[1, 1].item())  # not positive definite


@requires_torch
def test_poisson_log_prob_gradient_in_the_counts_and_special_functions():
    counts = np.array([0.0, 1.0, 4.0, 30.0, 1000.0])
    value, tvalue = cr.tensor(counts, requires_grad=True), torch.tensor(counts, requires_grad=True)
    ours, theirs = D.Poisson(cr.tensor(3.0, dtype=cr.float64)).log_prob(value), torch.distributions.Poisson(
        torch.tensor(3.0, dtype=torch.float64)).log_prob(tvalue)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(value.grad.numpy(), tvalue.grad.numpy(), rtol=1e-10)
    from chainrule.distributions._special import digamma, lgamma
    x = np.concatenate([np.linspace(1e-3, 5, 100), np.logspace(0, 6, 30)])
    for ours, theirs in ((lgamma, torch.lgamma), (digamma, torch.digamma)):
        np.testing.assert_allclose(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-13)


@requires_torch
def test_standard_gamma_reparameterization_gradient():
    """dx/da of Gamma(a, 1) draws: against mpmath's derivative of the incomplete gamma function
    (where installed) and PyTorch's _standard_gamma_grad (an approximation good to ~1e-4)."""
    from chainrule.distributions._standard_gamma import sample_gradient
    a = np.array([0.1, 0.5, 1.0, 2.0, 5.0, 30.0, 200.0, 0.3, 3.0, 50.0])
    x = np.array([1e-8, 0.3, 1.0, 4.0, 3.0, 35.0, 180.0, 2.0, 0.2, 49.0])
    ours = sample_gradient(a, x)
    np.testing.assert_allclose(ours, torch._standard_gamma_grad(torch.tensor(a), torch.tensor(x)).numpy(), rtol=2e-4)
    mpmath = pytest.importorskip("mpmath")

    def exact(a, x):
        derivative = mpmath.diff(lambda s: mpmath.gammainc(s, 0, x, regularized=True), a)
        return float(-derivative / mpmath.exp((a - 1) * mpmath.log(x) - x - mpmath.loggamma(a)))

    np.testing.assert_allclose(ours, [exact(ai, xi) for ai, xi in zip(a, x)], rtol=1e-8)


@pytest.mark.parametrize("make, expected", [
    # d/da E[x] for each: E Gamma(a, 1) = a; E Beta(a, b) = a / (a + b); E Dirichlet(c)_0 = c_0 / sum(c)
    (lambda a, b: D.Gamma(a, 1.0).rsample((N,)), (1.0, 0.0)),
    (lambda a, b: D.Gamma(a * 0.2, 1.0).rsample((N,)), (0.2, 0.0)),
    (lambda a, b: D.Beta(a, b).rsample((N,)), (3 / 25, -2 / 25)),
    (lambda a, b: D.Dirichlet(cr.stack([a, b, b + 1])).rsample((N,))[:, 0], (7 / 81, -4 / 81)),
])
def test_gamma_family_rsample_gradients_are_unbiased(make, expected):
    cr.manual_seed(0)
    a = cr.tensor(2.0, dtype=cr.float64, requires_grad=True)
    b = cr.tensor(3.0, dtype=cr.float64, requires_grad=True)
    make(a, b).mean().backward()
    got = [a.grad.item(), 0.0 if b.grad is None else b.grad.item()]
    np.testing.assert_allclose(got, expected, atol=0.03 * max(abs(e) for e in expected))
