"""Shared pytest fixtures and helpers: NumPy comparison and the optional PyTorch oracle."""
import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the cross-checks skip with this reason
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.13.0)")


def assert_close(actual, expected, rtol=1e-5, atol=1e-6):
    """Compares a chainrule tensor (or number) with a NumPy array: values, shape and dtype kind."""
    got = actual.numpy() if isinstance(actual, cr.Tensor) else np.asarray(actual)
    want = np.asarray(expected)
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}"
    if want.dtype == np.bool_ or got.dtype == np.bool_:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def assert_same_error(ours, theirs, prefix=None, renamed=False):
    """ours() raises the exception type that theirs() (the PyTorch call) raises, with the same
    message, or its first `prefix` characters; renamed: "chainrule" in ours reads as "torch"."""
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(type(expected.value)) as got:
        ours()
    message = str(got.value).replace("chainrule", "torch") if renamed else str(got.value)
    assert message[:prefix] == str(expected.value)[:prefix]


@pytest.fixture(params=["cpu", "cuda"])
def device(request):
    """The devices an op or layer test runs on: the CPU, and CUDA where a GPU is visible."""
    if request.param == "cuda" and not cr.cuda.is_available():
        pytest.skip("no CUDA device")
    return cr.device(request.param)


@pytest.fixture(autouse=True)
def _seed():
    cr.manual_seed(1234)
    np.random.seed(1234)


def _random_inputs(shapes, seed, positive):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    if positive:
        arrays = [np.abs(a) + 0.5 for a in arrays]
    return arrays


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_op(fn, shapes, torch_fn=None, positive=False, gradgrad=True, seed=0, atol=1e-5, rtol=1e-3):
    """The one-line check of an op's backward.

    fn(*tensors) is checked by gradcheck (and gradgradcheck) at random float64 inputs of `shapes`
    (`positive` keeps them in [0.5, inf) for log, sqrt, ...). With PyTorch installed, the same
    inputs go through torch_fn too, and the outputs and the gradients for a random output gradient
    must agree; inputs of 2+ dims are then also passed transposed (non-contiguous) to both.
    """
    from chainrule.autograd import gradcheck, gradgradcheck

    arrays = _random_inputs(shapes, seed, positive)
    inputs = [cr.tensor(a, requires_grad=True) for a in arrays]
    assert gradcheck(fn, inputs, atol=atol, rtol=rtol)
    if gradgrad:
        assert gradgradcheck(fn, inputs, atol=atol, rtol=rtol)
    if torch is None or torch_fn is None:
        return
    for layout in ("contiguous", "transposed"):
        if layout == "transposed" and not any(a.ndim >= 2 for a in arrays):
            continue
        ours, theirs = [], []
        for a in arrays:
            if layout == "transposed" and a.ndim >= 2:
                leaf = cr.tensor(np.ascontiguousarray(a.swapaxes(-1, -2)), requires_grad=True)
                ours.append((leaf, leaf.transpose(-1, -2)))
                tleaf = torch.tensor(np.ascontiguousarray(a.swapaxes(-1, -2)), requires_grad=True)
                theirs.append((tleaf, tleaf.transpose(-1, -2)))
            else:
                leaf = cr.tensor(a, requires_grad=True)
                ours.append((leaf, leaf))
                tleaf = torch.tensor(a, requires_grad=True)
                theirs.append((tleaf, tleaf))
        out = [o for o in _as_list(fn(*[x for _, x in ours])) if o.requires_grad]
        tout = [o for o in _as_list(torch_fn(*[x for _, x in theirs])) if o.requires_grad]
        assert len(out) == len(tout), f"{len(out)} differentiable outputs, PyTorch has {len(tout)}"
        rng = np.random.default_rng(seed + 1)
        seeds = [rng.standard_normal(tuple(t.shape)) for t in tout]
        for o, t in zip(out, tout):
            assert_close(o.detach(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
        cr.autograd.backward(out, [cr.tensor(s) for s in seeds])
        torch.autograd.backward(tout, [torch.tensor(s) for s in seeds])
        for (leaf, _), (tleaf, _) in zip(ours, theirs):
            want = np.zeros(tuple(tleaf.shape)) if tleaf.grad is None else tleaf.grad.numpy()
            got = np.zeros(tuple(leaf.shape)) if leaf.grad is None else leaf.grad.numpy()
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12, err_msg=f"gradient ({layout} inputs)")
