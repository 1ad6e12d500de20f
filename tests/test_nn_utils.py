"""chainrule.nn.utils: clip_grad_norm_/clip_grad_value_ (and get_total_norm + clip_grads_with_norm_) against
PyTorch, fusion, skip_init, parameters <-> vector, and the L1/L2 penalty helpers."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn.utils import (clip_grad_norm_, clip_grad_value_, l1_penalty, l2_penalty, parameters_to_vector,
                                vector_to_parameters)
from conftest import requires_torch, torch


def twin_models():
    """The same two-layer model in chainrule and torch, with the same gradients set."""
    rng = np.random.default_rng(0)
    shapes = [(4, 3), (4,), (2, 4), (2,)]
    values = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [rng.standard_normal(s).astype(np.float32) * 3 for s in shapes]
    ours = [nn.Parameter(cr.tensor(v)) for v in values]
    theirs = [torch.nn.Parameter(torch.tensor(v)) for v in values]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad = cr.tensor(g)
        tp.grad = torch.tensor(g)
    return ours, theirs


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, 3.5, math.inf, -math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e4])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = twin_models()
    total = clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, cr.Tensor) and total.dim() == 0 and total.dtype == cr.float32
    np.testing.assert_allclose(float(total), float(ttotal), rtol=1e-5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)


@requires_torch
def test_deprecated_clip_grad_norm_clips_and_warns_as_torch():
    # older programs (pytorch/examples' word_language_model before 0.4) call torch.nn.utils.clip_grad_norm
    ours, theirs = twin_models()
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        total = cr.nn.utils.clip_grad_norm(ours, 0.5)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        ttotal = torch.nn.utils.clip_grad_norm(theirs, 0.5)
    np.testing.assert_allclose(float(total), float(ttotal), rtol=1e-5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)


@requires_torch
@pytest.mark.parametrize("norm_type", [2.0, 1, math.inf])
def test_get_total_norm_and_clip_grads_with_norm_match_torch(norm_type):
    """The two halves of clip_grad_norm_, as code that gathers grads from several places calls them."""
    ours, theirs = twin_models()
    total = cr.nn.utils.get_total_norm([p.grad for p in ours], norm_type=norm_type)
    ttotal = torch.nn.utils.get_total_norm([p.grad for p in theirs], norm_type=norm_type)
    assert total.dim() == 0 and total.dtype == cr.float32
    np.testing.assert_allclose(float(total), float(ttotal), rtol=1e-5)
    assert cr.nn.utils.clip_grads_with_norm_(ours, 1.0, total) is None
    torch.nn.utils.clip_grads_with_norm_(theirs, 1.0, ttotal)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-5, atol=1e-7)
    assert float(cr.nn.utils.get_total_norm([])) == float(torch.nn.utils.get_total_norm([])) == 0.0
    assert float(cr.nn.utils.get_total_norm(cr.full((4,), 2.0))) == pytest.approx(4.0)
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            lib.nn.utils.get_total_norm([lib.tensor([float("inf"), 1.0])], error_if_nonfinite=True)

def test_clip_grad_norm_accepts_one_tensor_generators_and_no_grads():
    p = nn.Parameter(cr.ones(4))
    p.grad = cr.full((4,), 2.0)
    assert float(clip_grad_norm_(p, 1.0)) == pytest.approx(4.0)
    np.testing.assert_allclose(p.grad.numpy(), np.full(4, 0.5), rtol=1e-5)
    model = nn.Linear(2, 2)
    assert float(clip_grad_norm_(model.parameters(), 1.0)) == 0.0


def test_clip_grad_norm_nonfinite():
    p = nn.Parameter(cr.ones(2))
    p.grad = cr.tensor([float("inf"), 1.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isinf(float(clip_grad_norm_([p], 1.0)))


@requires_torch
def test_clip_grad_value_matches_torch():
    ours, theirs = twin_models()
    clip_grad_value_(ours, 0.7)
    torch.nn.utils.clip_grad_value_(theirs, 0.7)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy())


def test_clip_after_backward_on_a_model():
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    (model(cr.randn(16, 3)) * 100).sum().backward()
    clip_grad_norm_(model.parameters(), 1.0)
    total = math.sqrt(sum(float((p.grad * p.grad).sum()) for p in model.parameters()))
    assert total == pytest.approx(1.0, rel=1e-4)


@requires_torch
def test_parameters_to_vector_and_back():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = parameters_to_vector(model.parameters())
    expected = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    np.testing.assert_allclose(vec.detach().numpy(), expected)
    assert vec.requires_grad  # differentiable, as in PyTorch
    new = cr.arange(vec.numel(), dtype=cr.float32)
    weight = model[0].weight
    vector_to_parameters(new, model.parameters())
    assert model[0].weight is weight and weight.requires_grad
    np.testing.assert_allclose(weight.detach().numpy(), np.arange(6).reshape(2, 3))
    np.testing.assert_allclose(model[1].bias.detach().numpy(), [10])
    with pytest.raises(ValueError, match="elements"):
        vector_to_parameters(cr.zeros(3), model.parameters())
    with pytest.raises(TypeError, match="expected chainrule.Tensor"):
        vector_to_parameters([1.0], model.parameters())


def test_l1_and_l2_penalties_and_their_gradients():
    a = nn.Parameter(cr.tensor([1.0, -2.0]))
    b = nn.Parameter(cr.tensor([[3.0]]))
    l1, l2 = l1_penalty([a, b]), l2_penalty([a, b])
    assert float(l1) == pytest.approx(6.0) and float(l2) == pytest.approx(14.0)
    (l1 + l2).backward()
    np.testing.assert_allclose(a.grad.numpy(), [1 + 2, -1 - 4])
    np.testing.assert_allclose(b.grad.numpy(), [[1 + 6]])
    assert float(l2_penalty(a)) == pytest.approx(5.0)
    with pytest.raises(ValueError, match="no parameters"):
        l1_penalty([])


@requires_torch
@pytest.mark.parametrize("make", ["conv", "conv_transpose", "linear", "conv_no_bias"])
def test_fusing_batch_norm_matches_torch_and_the_unfused_pair(make):
    """nn.utils.fusion: the fused layer computes bn(layer(x)) in eval mode, with torch's fused weights."""
    import importlib

    def pair(lib):
        layer = {"conv": lambda: lib.nn.Conv2d(2, 3, 3), "conv_transpose": lambda: lib.nn.ConvTranspose2d(2, 3, 3),
                 "linear": lambda: lib.nn.Linear(4, 3), "conv_no_bias": lambda: lib.nn.Conv2d(2, 3, 3, bias=False)}[make]()
        bn = lib.nn.BatchNorm1d(3) if make == "linear" else lib.nn.BatchNorm2d(3)
        return layer, bn

    torch.manual_seed(0)
    theirs = pair(torch)
    with torch.no_grad():
        theirs[1].running_mean.uniform_(-1, 1)
        theirs[1].running_var.uniform_(0.5, 2)
        theirs[1].weight.uniform_(0.5, 2)
        theirs[1].bias.uniform_(-1, 1)
    ours = pair(cr)
    for o, t in zip(ours, theirs):
        o.load_state_dict({k: cr.tensor(v.numpy()) for k, v in t.state_dict().items()})
        o.eval()
        t.eval()
    fuse = "fuse_linear_bn_eval" if make == "linear" else "fuse_conv_bn_eval"
    extra = {"transpose": True} if make == "conv_transpose" else {}
    fused = getattr(cr.nn.utils.fusion, fuse)(*ours, **extra)
    fused_t = getattr(importlib.import_module("torch.nn.utils.fusion"), fuse)(*theirs, **extra)
    np.testing.assert_allclose(fused.weight.detach().numpy(), fused_t.weight.detach().numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fused.bias.detach().numpy(), fused_t.bias.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert isinstance(fused.weight, nn.Parameter) and fused.weight.is_leaf and fused is not ours[0]
    x = np.random.RandomState(0).randn(2, 4).astype(np.float32) if make == "linear" else \
        np.random.RandomState(0).randn(2, 2, 5, 5).astype(np.float32)
    np.testing.assert_allclose(fused(cr.tensor(x)).detach().numpy(), ours[1](ours[0](cr.tensor(x))).detach().numpy(),
                               rtol=1e-4, atol=1e-5)
    ours[1].train()
    with pytest.raises(AssertionError, match="Fusion only for eval!"):
        getattr(cr.nn.utils.fusion, fuse)(*ours)


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_skip_init_builds_the_module_and_checks_its_arguments(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    layer = m.nn.utils.skip_init(m.nn.Linear, 5, out_features=2)
    assert tuple(layer.weight.shape) == (2, 5) and layer.weight.requires_grad
    with pytest.raises(RuntimeError, match="Expected a Module"):
        m.nn.utils.skip_init(int)
    with pytest.raises(RuntimeError, match="Module must support a 'device' arg to skip initialization"):
        m.nn.utils.skip_init(m.nn.ReLU)
