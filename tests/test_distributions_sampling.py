"""Sampling from chainrule.distributions: sample shapes and expand, mean and variance over 20,000
draws, seeding, rsample gradients (analytic, implicit Gamma ones, a SAC-style tanh policy against
PyTorch), and a REINFORCE bandit and an actor-critic program that learn."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D
from conftest import requires_torch, torch
from distribution_cases import CASES

SAMPLE_SHAPE_CASES = ["Normal", "Laplace", "Uniform", "Exponential", "Poisson", "Gamma", "Beta", "Dirichlet",
                      "Bernoulli-probs", "Categorical-logits", "OneHotCategorical", "Independent", "MVN-scale_tril",
                      "Mixture", "Mixture-2d", "LogNormal", "HalfNormal", "Transformed", "Cauchy", "HalfCauchy",
                      "Gumbel", "Geometric-probs", "Binomial-probs", "Chi2", "StudentT", "Multinomial",
                      "RelaxedOneHotCategorical", "RelaxedBernoulli", "Pareto", "Weibull", "NegativeBinomial-probs",
                      "ContinuousBernoulli-probs", "LowRankMVN",
                      "Kumaraswamy", "VonMises", "LKJCholesky", "Wishart", "InverseGamma", "FisherSnedecor",
                      "LogisticNormal"]


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
    (lambda: D.InverseGamma(cr.tensor([6.0]), cr.tensor([5.0])), [1.0], [0.25]),
    (lambda: D.GeneralizedPareto(cr.tensor([1.0]), cr.tensor([2.0]), cr.tensor([-0.25])), [1.0 + 2 / 1.25],
     [4 / (1.25 ** 2 * 1.5)]),
    (lambda: D.FisherSnedecor(cr.tensor([10.0]), cr.tensor([20.0])), [20 / 18], [2 * 400 * 28 / (10 * 18 ** 2 * 16)]),
    (lambda: D.Kumaraswamy(cr.tensor([1.0]), cr.tensor([1.0])), [0.5], [1 / 12]),
    (lambda: D.ContinuousBernoulli(probs=cr.tensor([0.2])),
     [0.2 / (0.2 * 2 - 1) + 1 / math.log(0.8 / 0.2)], [0.2 * -0.8 / 0.6 ** 2 + 1 / math.log(0.8 / 0.2) ** 2]),
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


@requires_torch
def test_tanh_squashed_gaussian_policy_like_sac():
    """A squashed Gaussian policy: rsample through TanhTransform(cache_size=1), and log_prob of
    that sample (the cache returns the pre-tanh draw) with gradients to mu and log_std."""
    mu = cr.tensor([0.2, -1.0], dtype=cr.float64, requires_grad=True)
    log_std = cr.tensor([-0.5, 0.3], dtype=cr.float64, requires_grad=True)
    policy = D.TransformedDistribution(D.Normal(mu, log_std.exp()), [D.TanhTransform(cache_size=1)])
    action = policy.rsample()
    log_prob = policy.log_prob(action)
    (log_prob.sum() + action.sum()).backward()
    tmu, tlog_std = (torch.tensor(t.detach().numpy(), requires_grad=True) for t in (mu, log_std))
    eps = (policy.transforms[0].inv(action) - mu).detach() / log_std.exp().detach()  # the cached pre-tanh draw
    tpolicy = torch.distributions.TransformedDistribution(torch.distributions.Normal(tmu, tlog_std.exp()),
                                                         [torch.distributions.TanhTransform(cache_size=1)])
    tx = tmu + torch.tensor(eps.numpy()) * tlog_std.exp()
    taction = tpolicy.transforms[0](tx)
    tlog_prob = tpolicy.log_prob(taction)
    (tlog_prob.sum() + taction.sum()).backward()
    np.testing.assert_allclose(log_prob.detach().numpy(), tlog_prob.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(mu.grad.numpy(), tmu.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(log_std.grad.numpy(), tlog_std.grad.numpy(), rtol=1e-10)
    assert policy.transforms[0].inv(action) is policy.transforms[0]._cached_x_y[0]


def test_von_mises_samples_have_its_circular_mean_and_variance():
    cr.manual_seed(0)
    dist = D.VonMises(cr.tensor([0.5, -2.0], dtype=cr.float64), cr.tensor([2.0, 0.3], dtype=cr.float64))
    samples = dist.sample((N,))
    assert bool((samples >= -math.pi).all()) and bool((samples < math.pi).all())
    resultant = cr.cos(samples - dist.loc).mean(0)  # E cos(x - loc) = I1(k) / I0(k) = 1 - circular variance
    np.testing.assert_allclose(resultant.numpy(), (1 - dist.variance).numpy(), atol=0.015)
    np.testing.assert_allclose(cr.sin(samples - dist.loc).mean(0).numpy(), [0.0, 0.0], atol=0.015)


def test_lkj_cholesky_samples_are_correlation_factors_with_its_marginals():
    cr.manual_seed(0)
    factors = D.LKJCholesky(3, cr.tensor(1.0, dtype=cr.float64)).sample((N,))
    assert bool(D.constraints.corr_cholesky.check(factors).all())
    correlation = (factors @ factors.mT)[:, 0, 1].numpy()  # for concentration 1 in 3 dims: 2 Beta(3/2, 3/2) - 1
    np.testing.assert_allclose([correlation.mean(), correlation.var()], [0.0, 0.25], atol=0.01)


def test_wishart_samples_have_its_moments_and_an_unbiased_df_gradient():
    cr.manual_seed(0)
    df = cr.tensor(5.0, dtype=cr.float64, requires_grad=True)
    samples = D.Wishart(df, covariance_matrix=cr.eye(2, dtype=cr.float64)).rsample((N,))
    np.testing.assert_allclose(samples.mean(0).detach().numpy(), 5 * np.eye(2), atol=0.1)
    np.testing.assert_allclose(samples.var(0).detach().numpy(), [[10.0, 5.0], [5.0, 10.0]], rtol=0.06)
    samples.mean(0).sum().backward()  # d/d df of E sum(X) = sum(covariance) = 2
    assert abs(df.grad.item() - 2.0) < 0.05
