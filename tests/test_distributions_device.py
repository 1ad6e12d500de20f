"""Every distribution of tests/distribution_cases.py with its parameters on the `device` fixture's
device: its draws land there, and log_prob (with its gradient) and entropy match PyTorch's on the
CPU. On a GPU, a helper made on the CPU (an identity, an arange, a uniform draw) would meet the
parameters in a mixed-device op."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.distributions as D
from conftest import assert_close, requires_torch, torch
from distribution_cases import CASES

pytestmark = requires_torch


def _on(device, case):
    make, params, value = CASES[case]
    ours = [cr.tensor(p, dtype=cr.float64, device=device, requires_grad=True) for p in params]
    theirs = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params]
    value = value(*params) if callable(value) else value
    return (make(cr, D, *ours), ours), (make(torch, torch.distributions, *theirs), theirs), value


@pytest.mark.parametrize("case", list(CASES))
def test_draws_scores_and_entropy_on_the_device(device, case):
    (dist, leaves), (twin, twin_leaves), value = _on(device, case)
    for shape in ((), (2,)):
        assert dist.sample(shape).device == device
    if dist.has_rsample:
        draw = dist.rsample((2,))
        assert draw.device == device
        draw.sum().backward(retain_graph=True)  # the parameters' graph is scored below too
    dtype_kind = "long" if value.dtype.kind == "i" else "float64"
    score = dist.log_prob(cr.tensor(value, dtype=getattr(cr, dtype_kind), device=device))
    want = twin.log_prob(torch.tensor(value, dtype=getattr(torch, dtype_kind)))
    assert score.device == device
    assert_close(score.detach().cpu(), want.detach().numpy(), rtol=1e-8, atol=1e-9)
    for leaf in leaves:
        leaf.grad = None
    score.sum().backward()
    want.sum().backward()
    for leaf, twin_leaf in zip(leaves, twin_leaves):
        if twin_leaf.grad is not None:
            assert_close(leaf.grad.cpu(), twin_leaf.grad.numpy(), rtol=1e-6, atol=1e-8)
    try:
        want_entropy = twin.entropy()
    except NotImplementedError:
        return
    entropy = dist.entropy()
    assert entropy.device == device
    assert_close(entropy.detach().cpu(), want_entropy.detach().numpy(), rtol=1e-8, atol=1e-7)


def test_numbers_broadcast_with_a_tensor_join_it_on_its_device(device):
    loc, scale = D.utils.broadcast_all(cr.zeros(3, device=device), 2.0)
    assert loc.device == device and scale.device == device and scale.tolist() == [2.0] * 3


def test_enumerate_support_on_the_device(device):
    for dist in (D.Categorical(logits=cr.zeros(2, 3, device=device)), D.Bernoulli(cr.full((2,), 0.3, device=device)),
                 D.OneHotCategorical(logits=cr.zeros(3, device=device))):
        assert dist.enumerate_support().device == device
