"""Module.register_backward_hook, PyTorch's deprecated (non-full) backward hook, as the saliency programs use
it (utkuozbulak/pytorch-cnn-visualizations: guided backprop clamps each ReLU's grad_input, integrated
gradients reads the first conv's grad_input[0]). Each program runs on chainrule and on torch."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def small_cnn(lib):
    lib.manual_seed(0)
    model = lib.nn.Sequential(lib.nn.Conv2d(3, 4, 3, padding=1), lib.nn.ReLU(inplace=True), lib.nn.Conv2d(4, 2, 3),
                              lib.nn.ReLU(), lib.nn.Flatten(), lib.nn.Linear(2 * 4 * 4, 3))
    return model


def same_weights(cr_model, torch_model):
    cr_model.load_state_dict({k: cr.tensor(v.numpy()) for k, v in torch_model.state_dict().items()})


def guided_backprop(lib, model, image):
    """The first layer's grad_input[0] with every ReLU's grad_input clamped at zero, and the call log."""
    log, seen = [], {}

    def clamp_relu_gradient(module, grad_in, grad_out):
        log.append((type(module).__name__, len(grad_in), tuple(grad_out[0].shape)))
        return (lib.clamp(grad_in[0], min=0.0),)

    def keep_first_gradient(module, grad_in, grad_out):
        seen["gradient"] = grad_in[0]

    model[0].register_backward_hook(keep_first_gradient)
    for module in model:
        if isinstance(module, lib.nn.ReLU):
            module.register_backward_hook(clamp_relu_gradient)
    x = lib.tensor(image, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        model(x)[0, 1].backward()
    return seen["gradient"].numpy(), x.grad.numpy(), log


def test_guided_backprop_through_legacy_relu_hooks_matches_torch():
    image = np.random.RandomState(0).randn(1, 3, 6, 6).astype(np.float32)
    torch_model, cr_model = small_cnn(torch), small_cnn(cr)
    same_weights(cr_model, torch_model)
    ours, theirs = guided_backprop(cr, cr_model, image), guided_backprop(torch, torch_model, image)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-7)
    assert ours[2] == theirs[2]
    assert ours[2] and not np.allclose(ours[1], 0)  # the hooks ran and changed the gradient


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_legacy_hook_fires_with_none_when_the_input_needs_no_gradient(lib):
    conv = lib.nn.Conv2d(1, 1, 2)
    calls = []
    conv.register_backward_hook(lambda module, grad_in, grad_out: calls.append(grad_in[0]))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        conv(lib.ones(1, 1, 3, 3)).sum().backward()
    assert calls == [None]
    assert not [w for w in caught if "Full backward hook" in str(w.message)]


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_full_and_legacy_hooks_on_one_module_raise_as_torch(lib):
    relu = lib.nn.ReLU()
    relu.register_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        relu.register_full_backward_hook(lambda *a: None)
    other = lib.nn.ReLU()
    other.register_full_backward_hook(lambda *a: None)
    with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and full backward hooks"):
        other.register_backward_hook(lambda *a: None)


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_a_removed_legacy_hook_no_longer_runs(lib):
    relu = lib.nn.ReLU()
    calls = []
    handle = relu.register_backward_hook(lambda *a: calls.append(1))
    x = lib.ones(3, requires_grad=True)
    relu(x).sum().backward()
    handle.remove()
    relu(x).sum().backward()
    assert calls == [1]
