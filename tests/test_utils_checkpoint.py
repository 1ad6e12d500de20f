"""chainrule.utils.checkpoint (activation checkpointing): checkpoint and checkpoint_sequential give the
gradients of the plain run, against PyTorch's on the same weights; dropout draws the same masks when
recomputed; the reentrant and non-reentrant forms differ where PyTorch's do; bad arguments raise as
in PyTorch."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.utils.checkpoint import checkpoint, checkpoint_sequential
from conftest import requires_torch, torch

X = np.random.RandomState(0).randn(3, 4).astype(np.float32)


def block(lib):
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.GELU(), lib.nn.Linear(8, 8), lib.nn.Tanh(),
                             lib.nn.Linear(8, 4))


def twin_blocks():
    ours, theirs = block(cr), block(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def gradients(lib, model, run):
    """The gradients of sum(run(model, x)**2) w.r.t. x and every parameter, as NumPy arrays."""
    x = lib.tensor(X, requires_grad=True)
    (run(model, x) ** 2).sum().backward()
    grads = [x.grad] + [p.grad for p in model.parameters()]
    return [g.numpy() for g in grads]


@requires_torch
@pytest.mark.parametrize("use_reentrant", [False, True])
@pytest.mark.parametrize("form", ["checkpoint", "sequential"])
def test_checkpointed_gradients_match_the_plain_run_and_torch(use_reentrant, form):
    ours, theirs = twin_blocks()
    if form == "checkpoint":
        runs = {cr: lambda m, x: checkpoint(m, x, use_reentrant=use_reentrant),
                torch: lambda m, x: torch.utils.checkpoint.checkpoint(m, x, use_reentrant=use_reentrant)}
    else:
        runs = {cr: lambda m, x: checkpoint_sequential(m, 2, x, use_reentrant=use_reentrant),
                torch: lambda m, x: torch.utils.checkpoint.checkpoint_sequential(m, 2, x, use_reentrant=use_reentrant)}
    plain = gradients(cr, ours, lambda m, x: m(x))
    ours.zero_grad(set_to_none=True)
    checkpointed = gradients(cr, ours, runs[cr])
    reference = gradients(torch, theirs, runs[torch])
    for p, c, t in zip(plain, checkpointed, reference):
        np.testing.assert_allclose(c, p, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(c, t, rtol=1e-5, atol=1e-6)


def test_dropout_draws_the_same_mask_when_recomputed():
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 2))
    cr.manual_seed(5)
    plain = gradients(cr, model, lambda m, x: m(x))
    model.zero_grad(set_to_none=True)
    cr.manual_seed(5)
    checkpointed = gradients(cr, model, lambda m, x: checkpoint(m, x, use_reentrant=False))
    for p, c in zip(plain, checkpointed):
        np.testing.assert_allclose(c, p, rtol=1e-6)


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_non_reentrant_reaches_parameters_without_input_grad_and_through_autograd_grad(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    ckpt = checkpoint if lib == "chainrule" else torch.utils.checkpoint.checkpoint
    model = block(m)
    x = m.tensor(X)
    ckpt(model, x, use_reentrant=False).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    expected = m.autograd.grad(model(x).sum(), list(model.parameters()))
    got = m.autograd.grad(ckpt(model, x, use_reentrant=False).sum(), list(model.parameters()))
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-6)
    # the reentrant form passes nothing back when no input requires grad, and says so
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        assert not ckpt(model, x, use_reentrant=True).requires_grad


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_closures_keyword_arguments_and_several_outputs(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    ckpt = checkpoint if lib == "chainrule" else torch.utils.checkpoint.checkpoint
    weight = m.tensor([1.0, 2.0], requires_grad=True)

    def two(a, b, scale=1.0):
        return a * weight * scale, (a * b).sum()

    a = m.ones(2, requires_grad=True)
    first, second = ckpt(two, a, m.full((2,), 3.0), scale=2.0, use_reentrant=False)
    (first.sum() + second).backward()
    assert a.grad.tolist() == [5.0, 7.0] and weight.grad.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_bad_arguments_raise_and_a_missing_use_reentrant_warns(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    module = m.utils.checkpoint if lib == "chainrule" else torch.utils.checkpoint
    model, x = block(m), m.tensor(X, requires_grad=True)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        module.checkpoint(model, x, use_reentrant=True, foo=1)
    with pytest.raises(ValueError, match="`context_fn` or `debug` is only supported when use_reentrant=False"):
        module.checkpoint(model, x, use_reentrant=True, debug=True)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: foo"):
        module.checkpoint_sequential(model, 2, x, use_reentrant=False, foo=1)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        module.checkpoint(model, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        module.checkpoint(model, x, use_reentrant=False)
