"""Runs a chainrule module and its torch.nn twin (same weights, copied through state_dict) on the same inputs and
compares outputs, the gradients of the inputs and the gradient of every parameter."""
import numpy as np

import chainrule as cr
from conftest import assert_close, torch

TOLERANCES = {np.float64: {"rtol": 1e-9, "atol": 1e-10}, np.float32: {"rtol": 1e-4, "atol": 2e-5}}


def load_from_torch(ours, theirs, dtype=np.float64):
    """Puts both modules in `dtype` and copies torch's state_dict into ours (it must load strictly)."""
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    ours.to(cr.float64 if dtype == np.float64 else cr.float32)
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def _leaves(inputs, lib, dtype):
    return [lib.tensor(np.asarray(value, dtype=dtype), requires_grad=True) for value in inputs]


def _outputs(result):
    results = result if isinstance(result, tuple) else (result,)
    return [r for r in results if r is not None]


def check_module_parity(ours, theirs, forward, inputs, dtype=np.float64, seed=0):
    """forward(module, *tensors) -> a tensor or a tuple (None entries skipped) for both libraries; `inputs` are
    NumPy arrays, passed as leaves requiring grad (forward builds masks itself). Weights are copied from torch
    first."""
    load_from_torch(ours, theirs, dtype)
    tol = TOLERANCES[dtype]
    theirs_in, ours_in = _leaves(inputs, torch, dtype), _leaves(inputs, cr, dtype)
    theirs_out, ours_out = _outputs(forward(theirs, *theirs_in)), _outputs(forward(ours, *ours_in))
    assert len(ours_out) == len(theirs_out), f"{len(ours_out)} outputs, torch has {len(theirs_out)}"
    rng = np.random.default_rng(seed)
    seeds = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in theirs_out]
    for o, t in zip(ours_out, theirs_out):
        assert_close(o.detach(), t.detach().numpy(), **tol)
    # NaN outputs (fully masked rows of attention weights) take no part in the backward pass
    torch_loss = sum((torch.nan_to_num(t) * torch.tensor(s)).sum() for t, s in zip(theirs_out, seeds))
    ours_loss = sum((o.masked_fill(o != o, 0.0) * cr.tensor(s)).sum() for o, s in zip(ours_out, seeds))
    torch_loss.backward()
    ours_loss.backward()
    for o, t in zip(ours_in, theirs_in):
        assert_close(o.grad, t.grad.numpy(), **tol)
    theirs_params = dict(theirs.named_parameters())
    for name, p in ours.named_parameters():
        want = theirs_params[name].grad
        if want is None:
            assert p.grad is None or not p.grad.abs().sum().item(), f"{name}: torch has no gradient"
        else:
            assert p.grad is not None, f"{name}: no gradient, torch has one"
            assert_close(p.grad, want.numpy(), **tol)
    return ours_out
