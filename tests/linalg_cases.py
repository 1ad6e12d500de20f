"""Shared by tests/test_linalg_*.py: well-conditioned random (batched) matrices made once in NumPy
for chainrule and PyTorch, and one check that a linalg function gives PyTorch's values (every
output of a named tuple), PyTorch's gradients for a random output gradient, and, in float64,
first and second derivatives that pass chainrule's finite-difference gradcheck and gradgradcheck."""
import importlib.util

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck
from conftest import torch

# chainrule's solvers and factorizations run on the host through SciPy's LAPACK (the "linalg" extra;
# tests/run.sh installs it)
requires_scipy = pytest.mark.skipif(importlib.util.find_spec("scipy") is None,
                                    reason="SciPy not installed (chainrule's linear algebra needs it: pip install scipy)")

DTYPES = ["float32", "float64"]
TOLERANCE = {"float32": dict(rtol=2e-4, atol=2e-5), "float64": dict(rtol=1e-9, atol=1e-10)}


def matrix(shape, kind="general", seed=0):
    """A float64 array of `shape` (.., m, n): 'general' is diagonally dominant when square (so
    well-conditioned), 'spd' symmetric positive-definite, 'lower'/'upper' well-conditioned triangular,
    'symmetric' symmetric with distinct eigenvalues."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape)
    n = shape[-1]
    if kind == "general":
        return a + 3 * np.eye(shape[-2], n) if shape[-2] == n else a
    if kind == "spd":
        return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)
    if kind == "symmetric":
        return (a + np.swapaxes(a, -1, -2)) / 2 + np.diag(np.arange(n) * 2.0)
    triangle = np.tril(a) if kind == "lower" else np.triu(a)
    return triangle + 3 * np.eye(n)


def _tensors(arrays, dtype, requires_grad):
    ours = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=requires_grad) for a in arrays]
    return ours, theirs


def _outputs(result):
    return list(result) if isinstance(result, tuple) else [result]


def assert_values(ours, theirs, dtype):
    """Every output of ours equals PyTorch's: shape and values (integer outputs exactly)."""
    ours, theirs = _outputs(ours), _outputs(theirs)
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape), f"shape {tuple(o.shape)} != {tuple(t.shape)}"
        if t.is_floating_point():
            assert str(o.dtype).split(".")[-1] == dtype
            np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), **TOLERANCE[dtype])
        else:
            np.testing.assert_array_equal(o.numpy(), t.numpy())


def check_against_torch(fn, torch_fn, arrays, dtype, grad=True, outputs=None, seed=1):
    """fn(*chainrule tensors) matches torch_fn(*torch tensors) in value; with grad, the gradients of
    sum(output * w) (random w, over the floating outputs numbered in `outputs`, all by default) match."""
    ours_in, theirs_in = _tensors(arrays, dtype, grad)
    ours, theirs = fn(*ours_in), torch_fn(*theirs_in)
    assert_values(ours, theirs, dtype)
    if not grad:
        return
    rng = np.random.default_rng(seed)
    loss_ours, loss_theirs = 0, 0
    pairs = list(zip(_outputs(ours), _outputs(theirs)))
    for k, (o, t) in enumerate(pairs):
        if not t.is_floating_point() or (outputs is not None and k not in outputs):
            continue
        weight = rng.standard_normal(tuple(t.shape))
        loss_ours = loss_ours + (o * cr.tensor(weight, dtype=o.dtype)).sum()
        loss_theirs = loss_theirs + (t * torch.tensor(weight, dtype=t.dtype)).sum()
    loss_ours.backward()
    loss_theirs.backward()
    for o, t in zip(ours_in, theirs_in):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=TOLERANCE[dtype]["rtol"] * 10,
                                   atol=TOLERANCE[dtype]["atol"] * 10)


def check_gradcheck(fn, arrays, outputs=None):
    """chainrule's analytic first and second derivatives of fn's (selected) floating outputs match
    finite differences."""
    inputs = [cr.tensor(a, dtype=cr.float64, requires_grad=True) for a in arrays]

    def selected(*xs):
        result = _outputs(fn(*xs))
        return tuple(r for k, r in enumerate(result) if r.is_floating_point() and (outputs is None or k in outputs))
    assert gradcheck(selected, tuple(inputs))
    assert gradgradcheck(selected, tuple(inputs))
