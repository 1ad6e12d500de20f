"""chainrule.distributions against torch.distributions: log_prob, entropy, moments, cdf and KL
equal PyTorch's in float64 with their parameter gradients; KL dispatch; validation errors and
reprs; the composed Cholesky they rest on. Sampling: test_distributions_sampling.py."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D
from conftest import requires_torch, torch
from distribution_cases import CASES, RNG, VALUE_ATOL, _build, _build_from, _lower

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


# Their cdf is special.gammainc of the concentration, which PyTorch does not differentiate.
CDF_WITHOUT_CONCENTRATION_GRADIENT = {"Gamma", "Chi2", "InverseGamma"}


@requires_torch
@pytest.mark.parametrize("case", CASES)
def test_matches_torch_with_parameter_gradients(case):
    dist, leaves, value = _build(case, cr)
    tdist, tleaves, tvalue = _build(case, torch)
    assert dist.batch_shape == tuple(tdist.batch_shape) and dist.event_shape == tuple(tdist.event_shape)
    assert dist.has_rsample == tdist.has_rsample
    with_cdf = _has_cdf(dist, value)
    ours, theirs = _quantities(dist, value, with_cdf), _quantities(tdist, tvalue, with_cdf)
    assert ours.keys() == theirs.keys()
    for name in ours:
        np.testing.assert_allclose(ours[name].detach().numpy(), theirs[name].detach().numpy(), rtol=1e-10,
                                   atol=VALUE_ATOL.get(case, 1e-12), equal_nan=True, err_msg=f"{case}.{name}")
    # One weighted sum of every differentiable quantity; its gradient w.r.t. each parameter.
    weights = {name: RNG.standard_normal(tuple(t.shape)) for name, t in theirs.items()}
    differentiable = [n for n in ours if ours[n].requires_grad and n != "mode"
                      and not (n == "cdf" and case in CDF_WITHOUT_CONCENTRATION_GRADIENT)]
    total = sum((ours[n] * cr.tensor(weights[n])).sum() for n in differentiable)
    ttotal = sum((theirs[n] * torch.tensor(weights[n])).sum() for n in differentiable)
    total.backward()
    ttotal.backward()
    for leaf, tleaf in zip(leaves, tleaves):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-8,
                                   atol=1e-10, err_msg=f"{case} parameter gradient")


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
    "HalfNormal": ("HalfNormal", "HalfNormal"),
    "LowRankMVN": ("LowRankMVN", "LowRankMVN"),
    "MVN-LowRankMVN": ("MVN-scale_tril", "LowRankMVN"),
    "LowRankMVN-MVN": ("LowRankMVN", "MVN-covariance"),
    "Cauchy": ("Cauchy", "Cauchy"),
    "ContinuousBernoulli": ("ContinuousBernoulli-probs", "ContinuousBernoulli-logits"),
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
                                   atol=1e-10)


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
    message = "No KL\\(p \\|\\| q\\) is implemented for p type Normal and q type Cauchy"
    with pytest.raises(NotImplementedError, match=message):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Cauchy(0.0, 1.0))

    class Shifted(D.Normal):
        pass

    @D.register_kl(Shifted, D.Normal)
    def _kl_shifted(p, q):
        return cr.tensor(42.0)

    assert D.kl_divergence(Shifted(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 42.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), Shifted(0.0, 1.0)).item() == 0.0  # Normal-Normal still
    with pytest.raises(TypeError, match="Distribution subclass"):
        D.register_kl(int, D.Normal)


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
def test_poisson_log_prob_gradient_in_the_counts():
    counts = np.array([0.0, 1.0, 4.0, 30.0, 1000.0])
    value, tvalue = cr.tensor(counts, requires_grad=True), torch.tensor(counts, requires_grad=True)
    ours, theirs = D.Poisson(cr.tensor(3.0, dtype=cr.float64)).log_prob(value), torch.distributions.Poisson(
        torch.tensor(3.0, dtype=torch.float64)).log_prob(tvalue)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_allclose(value.grad.numpy(), tvalue.grad.numpy(), rtol=1e-10)


@requires_torch
@pytest.mark.filterwarnings("ignore:Singular sample detected")  # PyTorch 2.13's Wishart says so of good samples
@pytest.mark.parametrize("case", CASES)
def test_expand_matches_torch(case):
    dist, _, value = _build(case, cr)
    tdist, _, tvalue = _build(case, torch)
    shape = (2,) + tuple(dist.batch_shape)
    expanded, texpanded = dist.expand(shape), tdist.expand(torch.Size(shape))
    assert type(expanded) is type(dist)
    assert expanded.batch_shape == shape and expanded.event_shape == tuple(texpanded.event_shape)
    new_dim = -len(shape) - len(dist.event_shape)  # scored values broadcast against the new batch dim
    np.testing.assert_allclose(expanded.log_prob(value.unsqueeze(new_dim)).detach().numpy(),
                               texpanded.log_prob(tvalue.unsqueeze(new_dim)).detach().numpy(), rtol=1e-10, atol=1e-12)
    assert tuple(expanded.sample((3,)).shape) == tuple(texpanded.sample((3,)).shape)


@requires_torch
@pytest.mark.parametrize("case", ["LowRankMVN", "MVN-scale_tril", "MVN-covariance", "MVN-precision"])
def test_gaussian_matrix_properties_match_torch(case):
    dist, leaves, _ = _build(case, cr)
    tdist, tleaves, _ = _build(case, torch)
    total, ttotal = 0.0, 0.0
    for name in ("scale_tril", "covariance_matrix", "precision_matrix"):
        ours, theirs = getattr(dist, name), getattr(tdist, name)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12, err_msg=name)
        weights = RNG.standard_normal(tuple(theirs.shape))
        total = total + (ours * cr.tensor(weights)).sum()
        ttotal = ttotal + (theirs * torch.tensor(weights)).sum()
    total.backward()
    ttotal.backward()
    for leaf, tleaf in zip(leaves, tleaves):  # loc gets no gradient from these
        assert (leaf.grad is None) == (tleaf.grad is None)
        if tleaf.grad is None:
            continue
        ours, theirs = leaf.grad.numpy(), tleaf.grad.numpy()
        if case == "MVN-scale_tril":  # PyTorch's precision_matrix also sends gradient to the zero upper triangle
            ours, theirs = np.tril(ours), np.tril(theirs)
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-10)


# One case per family for the KLs between different families (all with batch_shape (3,)).
FAMILY_CASES = {"Bernoulli": "Bernoulli-probs", "Beta": "Beta", "Binomial": "Binomial-probs",
                "ContinuousBernoulli": "ContinuousBernoulli-probs", "Exponential": "Exponential", "Gamma": "Gamma",
                "Gumbel": "Gumbel", "Laplace": "Laplace", "Normal": "Normal", "Pareto": "Pareto",
                "Poisson": "Poisson", "Uniform": "Uniform"}
CROSS_FAMILY_PAIRS = sorted((p.__name__, q.__name__) for p, q in D.kl._KL_REGISTRY
                            if p is not q and p.__name__ in FAMILY_CASES and q.__name__ in FAMILY_CASES)


@requires_torch
@pytest.mark.parametrize("p_name, q_name", CROSS_FAMILY_PAIRS)
def test_kl_between_families_matches_torch(p_name, q_name):
    p, p_leaves, _ = _build(FAMILY_CASES[p_name], cr)
    q, q_leaves, _ = _build(FAMILY_CASES[q_name], cr)
    tp, tp_leaves, _ = _build(FAMILY_CASES[p_name], torch)
    tq, tq_leaves, _ = _build(FAMILY_CASES[q_name], torch)
    kl, tkl = D.kl_divergence(p, q), torch.distributions.kl_divergence(tp, tq)
    np.testing.assert_allclose(kl.detach().numpy(), tkl.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not tkl.requires_grad:  # an infinite KL, a constant
        assert not kl.requires_grad
        return
    kl.sum().backward()
    tkl.sum().backward()
    for leaf, tleaf in zip(p_leaves + q_leaves, tp_leaves + tq_leaves):
        assert (leaf.grad is None) == (tleaf.grad is None)
        if tleaf.grad is not None:
            np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-8, atol=1e-10)


@requires_torch
@pytest.mark.parametrize("case", ["Normal", "Exponential", "Gamma", "Bernoulli-probs", "Poisson", "Beta",
                                  "Dirichlet", "ContinuousBernoulli-probs"])
def test_exponential_family_bregman_entropy_and_kl_match_torch(case):
    dist, leaves, _ = _build(case, cr)
    tdist, tleaves, _ = _build(case, torch)
    assert isinstance(dist, D.ExponentialFamily)
    try:
        theirs = torch.distributions.ExponentialFamily.entropy(tdist)
    except NotImplementedError:  # no _mean_carrier_measure (Poisson, Beta, Dirichlet), in PyTorch either
        with pytest.raises(NotImplementedError):
            D.ExponentialFamily.entropy(dist)
    else:
        ours = D.ExponentialFamily.entropy(dist)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.detach().numpy(), dist.entropy().detach().numpy(), rtol=1e-7, atol=1e-9)
    q = _build_from(case, cr, [x * 0.5 + 0.1 if i == 0 else x + 0.5 for i, x in enumerate(leaves)])
    tq = _build_from(case, torch, [x * 0.5 + 0.1 if i == 0 else x + 0.5 for i, x in enumerate(tleaves)])
    generic = D.kl._kl_expfamily_expfamily(dist, q)
    np.testing.assert_allclose(generic.detach().numpy(),
                               torch.distributions.kl._kl_expfamily_expfamily(tdist, tq).detach().numpy(),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(generic.detach().numpy(), D.kl_divergence(dist, q).detach().numpy(),
                               rtol=1e-7, atol=1e-9)


def test_kl_between_different_exponential_families_is_refused():
    with pytest.raises(NotImplementedError, match="different exponential families cannot be computed"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Poisson(2.0))


@requires_torch
def test_public_names_are_torchs():
    """Every public name exported is PyTorch's; what is missing is the short list in distributions.md."""
    missing = set(torch.distributions.__all__) - set(D.__all__)
    assert missing <= {"CatTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform", "ReshapeTransform",
                       "StackTransform"}
    assert set(D.__all__) - set(torch.distributions.__all__) <= {"constraints", "kl_divergence", "register_kl"}
    for name in D.__all__:
        assert hasattr(torch.distributions, name) and hasattr(D, name)


@requires_torch
@pytest.mark.parametrize("name, make", [("Normal", lambda d, a, b: d.Normal(a, b)),
                                        ("HalfNormal", lambda d, a, b: d.HalfNormal(b)),
                                        ("LogNormal", lambda d, a, b: d.LogNormal(a, b))])
def test_icdf_through_erfinv_matches_torch_with_gradients(name, make):
    params = [np.array([-1.0, 0.0, 2.5]), np.array([0.5, 1.0, 3.0])]
    probs = np.array([[0.01, 0.5, 0.9], [0.3, 0.999, 0.2]])
    leaves = [cr.tensor(p, requires_grad=True) for p in params]
    tleaves = [torch.tensor(p, requires_grad=True) for p in params]
    ours = make(D, *leaves).icdf(cr.tensor(probs))
    theirs = make(torch.distributions, *tleaves).icdf(torch.tensor(probs))
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12, err_msg=name)
    ours.sum().backward()
    theirs.sum().backward()
    for leaf, tleaf in zip(leaves, tleaves):
        want = np.zeros(3) if tleaf.grad is None else tleaf.grad.numpy()
        got = np.zeros(3) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=name)


@requires_torch
@pytest.mark.parametrize("name", sorted(CDF_WITHOUT_CONCENTRATION_GRADIENT))
def test_gamma_family_cdf_matches_torch_with_rate_and_value_gradients(name):
    concentration, rate = np.array([0.3, 2.0, 45.0]), np.array([0.5, 1.0, 3.0])
    value = np.array([[0.2, 1.5, 14.0], [3.0, 0.01, 16.0]])
    make = {"Gamma": lambda d, c, r: d.Gamma(c, r), "Chi2": lambda d, c, r: d.Chi2(c * 2),
            "InverseGamma": lambda d, c, r: d.InverseGamma(c, r)}[name]
    leaves = [cr.tensor(rate, requires_grad=True), cr.tensor(value, requires_grad=True)]
    tleaves = [torch.tensor(rate, requires_grad=True), torch.tensor(value, requires_grad=True)]
    ours = make(D, cr.tensor(concentration), leaves[0]).cdf(leaves[1])
    theirs = make(torch.distributions, torch.tensor(concentration), tleaves[0]).cdf(tleaves[1])
    # rtol: near x = a = 45 PyTorch's Temme expansion is good to ~1e-9 (tests/test_special_module.py).
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=5e-9, atol=1e-14)
    ours.sum().backward()
    theirs.sum().backward()
    for leaf, tleaf in zip(leaves, tleaves):
        want = np.zeros(tuple(tleaf.shape)) if tleaf.grad is None else tleaf.grad.numpy()
        got = np.zeros(tuple(leaf.shape)) if leaf.grad is None else leaf.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-14)
    with pytest.raises(NotImplementedError, match="the derivative for 'igamma: input' is not implemented"):
        make(D, cr.tensor(concentration, requires_grad=True), cr.tensor(rate)).cdf(cr.tensor(value)).sum().backward()


@requires_torch
def test_generalized_pareto_matches_torch_in_float32():
    """PyTorch 2.13's GeneralizedPareto.log_prob fails for float64 parameters (isclose against a
    float32 zero), so this case is compared in float32, concentration 0 (the exponential limit)
    included."""
    params = [np.zeros(3), np.array([0.5, 1.0, 2.0]), np.array([-0.2, 0.0, 0.3])]
    value = np.array([[0.1, 0.5, 1.2], [0.3, 2.0, 0.05]])
    leaves = [cr.tensor(p, dtype=cr.float32, requires_grad=True) for p in params]
    tleaves = [torch.tensor(p, dtype=torch.float32, requires_grad=True) for p in params]
    ours, theirs = D.GeneralizedPareto(*leaves), torch.distributions.GeneralizedPareto(*tleaves)
    quantities = {"log_prob": lambda d, lib: d.log_prob(lib.tensor(value, dtype=lib.float32)),
                  "cdf": lambda d, lib: d.cdf(lib.tensor(value, dtype=lib.float32)),
                  "icdf": lambda d, lib: d.icdf(lib.tensor([0.2, 0.5, 0.9])),
                  "entropy": lambda d, lib: d.entropy(), "mean": lambda d, lib: d.mean,
                  "variance": lambda d, lib: d.variance}
    total, ttotal = 0.0, 0.0
    for name, quantity in quantities.items():
        got, want = quantity(ours, cr), quantity(theirs, torch)
        np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-5, atol=1e-6, equal_nan=True,
                                   err_msg=name)
        total, ttotal = total + cr.nan_to_num(got).sum(), ttotal + torch.nan_to_num(want).sum()
    total.backward()
    ttotal.backward()
    for leaf, tleaf in zip(leaves, tleaves):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-4, atol=1e-5)
    assert tuple(ours.rsample((5,)).shape) == (5, 3)
