"""chainrule.distributions.transforms and constraint_registry against PyTorch's: each transform's
forward, inverse and log|Jacobian| with gradients, and the transform biject_to/transform_to pick
for each constraint."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D
from conftest import requires_torch, torch

RNG = np.random.default_rng(3)

# name -> (make(transforms module), input array)
TRANSFORMS = {
    "Exp": (lambda T: T.ExpTransform(), RNG.standard_normal((2, 3))),
    "Affine": (lambda T: T.AffineTransform(0.5, -2.0), RNG.standard_normal((2, 3))),
    "Power": (lambda T: T.PowerTransform(1.7), np.abs(RNG.standard_normal((2, 3))) + 0.1),
    "Sigmoid": (lambda T: T.SigmoidTransform(), RNG.standard_normal((2, 3))),
    "Softplus": (lambda T: T.SoftplusTransform(), RNG.standard_normal((2, 3))),
    "Tanh": (lambda T: T.TanhTransform(), RNG.standard_normal((2, 3))),
    "Compose": (lambda T: T.ComposeTransform([T.AffineTransform(1.0, 0.5), T.ExpTransform()]), RNG.standard_normal(3)),
    "Independent": (lambda T: T.IndependentTransform(T.ExpTransform(), 1), RNG.standard_normal((2, 3))),
    "StickBreaking": (lambda T: T.StickBreakingTransform(), RNG.standard_normal((2, 3))),
    "Softmax": (lambda T: T.SoftmaxTransform(), RNG.standard_normal((2, 3))),
    "LowerCholesky": (lambda T: T.LowerCholeskyTransform(), RNG.standard_normal((2, 3, 3))),
    "PositiveDefinite": (lambda T: T.PositiveDefiniteTransform(), RNG.standard_normal((2, 3, 3))),
}


@requires_torch
@pytest.mark.parametrize("name", TRANSFORMS)
def test_transform_matches_torch(name):
    make, x = TRANSFORMS[name]
    t, tt = make(D.transforms), make(torch.distributions.transforms)
    leaf, tleaf = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, ty = t(leaf), tt(tleaf)
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-12, atol=1e-12)
    back, tback = t.inv(y.detach()), tt.inv(ty.detach())
    np.testing.assert_allclose(back.numpy(), tback.numpy(), rtol=1e-10, atol=1e-12)
    total, ttotal = y.sum(), ty.sum()
    if name not in ("Softmax", "LowerCholesky", "PositiveDefinite"):  # no log|Jacobian| in PyTorch either
        ladj, tladj = t.log_abs_det_jacobian(leaf, y), tt.log_abs_det_jacobian(tleaf, ty)
        np.testing.assert_allclose(ladj.detach().numpy(), tladj.detach().numpy(), rtol=1e-12, atol=1e-12)
        total, ttotal = total + ladj.sum(), ttotal + tladj.sum()
    total.backward()
    ttotal.backward()
    np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), rtol=1e-10, atol=1e-12)
    assert repr(t) == repr(tt)


CONSTRAINTS = {
    "real": lambda C: C.real, "real_vector": lambda C: C.real_vector, "positive": lambda C: C.positive,
    "nonnegative": lambda C: C.nonnegative, "greater_than": lambda C: C.greater_than(1.5),
    "less_than": lambda C: C.less_than(-1.0), "unit_interval": lambda C: C.unit_interval,
    "interval": lambda C: C.interval(-1.0, 2.0), "half_open_interval": lambda C: C.half_open_interval(0.0, 3.0),
    "simplex": lambda C: C.simplex, "lower_cholesky": lambda C: C.lower_cholesky,
    "positive_definite": lambda C: C.positive_definite,
}


@requires_torch
@pytest.mark.parametrize("name", CONSTRAINTS)
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_constraint_registry_matches_torch(name, registry):
    constraint = CONSTRAINTS[name](D.constraints)
    tconstraint = CONSTRAINTS[name](torch.distributions.constraints)
    try:
        expected = getattr(torch.distributions, registry)(tconstraint)
    except NotImplementedError as error:
        with pytest.raises(NotImplementedError, match=str(error)):
            getattr(D, registry)(constraint)
        return
    transform = getattr(D, registry)(constraint)
    assert type(transform).__name__ == type(expected).__name__
    shape = (2, 3, 3) if constraint.event_dim == 2 else (2, 3)
    x = RNG.standard_normal(shape)
    y = transform(cr.tensor(x))
    np.testing.assert_allclose(y.numpy(), expected(torch.tensor(x)).numpy(), rtol=1e-12, atol=1e-12)
    assert bool(constraint.check(y).all())


def test_transform_to_keeps_an_optimized_parameter_in_its_constraint():
    """The Bayesian-toy-model use: fit a positive scale through an unconstrained tensor."""
    data = D.Normal(0.0, 2.5).sample((2000,))
    raw = cr.zeros((), requires_grad=True)
    optimizer = cr.optim.Adam([raw], lr=0.05)
    to_positive = D.transform_to(D.constraints.positive)
    for _ in range(300):
        loss = -D.Normal(0.0, to_positive(raw)).log_prob(data).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert abs(to_positive(raw).item() - data.pow(2).mean().sqrt().item()) < 0.01  # the maximum-likelihood scale
