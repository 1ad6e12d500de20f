"""torch.optim.Muon's counterpart: the Newton-Schulz orthogonalization against a float64 NumPy
reference (to bfloat16's precision, the dtype it runs in) and bit for bit against torch's, the whole
update against torch's, state dicts both ways, signature and errors."""
import inspect

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim.muon import zeropower_via_newtonschulz
from conftest import requires_torch, torch

SHAPES = [(6, 4), (3, 7), (5, 5)]
OPTIONS = [dict(lr=0.02), dict(lr=0.05, weight_decay=0.0, nesterov=False),
           dict(lr=0.01, momentum=0.9, adjust_lr_fn="match_rms_adamw", ns_steps=3),
           dict(lr=0.01, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-5)]


def newton_schulz_reference(grad, coefficients=(3.4445, -4.7750, 2.0315), steps=5, eps=1e-7):
    a, b, c = coefficients
    x = grad.T if grad.shape[0] > grad.shape[1] else grad
    x = x / max(np.linalg.norm(x), eps)
    for _ in range(steps):
        gram = x @ x.T
        x = a * x + (b * gram + c * gram @ gram) @ x
    return x.T if grad.shape[0] > grad.shape[1] else x


@pytest.mark.parametrize("shape", SHAPES)
def test_newton_schulz_matches_the_formula(shape):
    grad = np.random.default_rng(0).standard_normal(shape)
    ours = zeropower_via_newtonschulz(cr.tensor(grad), (3.4445, -4.7750, 2.0315), 5, 1e-7).float()
    np.testing.assert_allclose(ours.numpy(), newton_schulz_reference(grad), rtol=0, atol=3e-2)
    singular_values = np.linalg.svd(ours.numpy(), compute_uv=False)
    assert 0.5 < singular_values.min() and singular_values.max() < 1.5  # about orthogonal


def run_both(options, steps=5, seed=1):
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(shape).astype(np.float32) for shape in SHAPES]
    ours = [cr.nn.Parameter(cr.tensor(v)) for v in values]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in values]
    our_opt, their_opt = cr.optim.Muon(ours, **options), torch.optim.Muon(theirs, **options)
    for _ in range(steps):
        for p, q in zip(ours, theirs):
            grad = rng.standard_normal(tuple(p.shape)).astype(np.float32)
            p.grad, q.grad = cr.tensor(grad), torch.tensor(grad)
        our_opt.step()
        their_opt.step()
    return ours, theirs, our_opt, their_opt


@requires_torch
@pytest.mark.parametrize("shape", SHAPES)
def test_newton_schulz_is_torchs_bit_for_bit(shape):
    import torch.optim._muon as torch_muon
    grad = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    ours = zeropower_via_newtonschulz(cr.tensor(grad), (3.4445, -4.7750, 2.0315), 5, 1e-7)
    theirs = torch_muon._zeropower_via_newtonschulz(torch.tensor(grad), (3.4445, -4.7750, 2.0315), 5, 1e-7)
    assert ours.dtype == cr.bfloat16 and theirs.dtype == torch.bfloat16
    np.testing.assert_array_equal(ours.float().numpy(), theirs.float().numpy())


@requires_torch
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_matches_torch(options):
    ours, theirs, our_opt, their_opt = run_both(options)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(our_opt.state[p]["momentum_buffer"].numpy(),
                                   their_opt.state[q]["momentum_buffer"].numpy(), rtol=1e-5, atol=1e-6)
    assert our_opt.state_dict()["param_groups"] == their_opt.state_dict()["param_groups"]


@requires_torch
def test_state_dicts_cross_both_ways(tmp_path):
    _, theirs, _, their_opt = run_both(dict(lr=0.02), steps=2)
    ours = [cr.nn.Parameter(cr.tensor(q.detach().numpy())) for q in theirs]
    our_opt = cr.optim.Muon(ours, lr=0.5)
    our_opt.load_state_dict(their_opt.state_dict())
    assert our_opt.param_groups[0]["lr"] == 0.02
    for p, q in zip(ours, theirs):
        np.testing.assert_array_equal(our_opt.state[p]["momentum_buffer"].numpy(),
                                      their_opt.state[q]["momentum_buffer"].numpy())
    cr.save(our_opt.state_dict(), tmp_path / "muon.pt")
    restored = torch.optim.Muon(theirs, lr=0.5)
    restored.load_state_dict(torch.load(tmp_path / "muon.pt"))
    assert restored.param_groups[0]["ns_coefficients"] == their_opt.param_groups[0]["ns_coefficients"]


@requires_torch
def test_signature_is_torchs():
    ours, theirs = inspect.signature(cr.optim.Muon), inspect.signature(torch.optim.Muon)
    assert [(p.name, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.default) for p in theirs.parameters.values()]


@requires_torch
@pytest.mark.parametrize("params,options", [
    ([(3,)], {}), ([(2, 2, 2)], {}), ([(2, 2)], dict(lr=-1.0)), ([(2, 2)], dict(momentum=-0.5)),
    ([(2, 2)], dict(weight_decay=-0.1)), ([(2, 2)], dict(adjust_lr_fn="spectral"))])
def test_errors_like_torch(params, options):
    with pytest.raises(ValueError) as want:
        torch.optim.Muon([torch.zeros(s, requires_grad=True) for s in params], **options)
    with pytest.raises(ValueError) as got:
        cr.optim.Muon([cr.zeros(s, requires_grad=True) for s in params], **options)
    assert str(got.value).replace("chainrule.", "torch.") == str(want.value)


def test_trains_a_linear_layer():
    cr.manual_seed(0)
    layer = cr.nn.Linear(8, 4, bias=False)
    x, y = cr.randn(64, 8), cr.randn(64, 4)
    opt = cr.optim.Muon(layer.parameters(), lr=0.05, weight_decay=0.0)
    first = None
    for _ in range(30):
        opt.zero_grad()
        loss = cr.nn.functional.mse_loss(layer(x), y)
        loss.backward()
        opt.step()
        first = first if first is not None else loss.item()
    assert loss.item() < 0.8 * first
