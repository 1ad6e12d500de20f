"""chainrule.inspect's attribution methods against Captum 0.9 on PyTorch: the digits CNN of
examples/train_digits.py (briefly trained in chainrule, its state_dict loaded into the same network
built on torch.nn), the same test digits, several targets and batch sizes; each result must equal
Captum's to round-off: in float32 (rtol 1e-4, atol 1e-5 of the largest magnitude) and in float64.

Integrated Gradients (and the NoiseTunnel) are compared in float64 only. They evaluate the network
at many points (50 per example on the path from the baseline; random noisy copies), and among a
few thousand points some lie within float32 round-off of a ReLU's or max-pool's switch: the two
libraries' forward passes differ there by ~1e-6 and can fall on different sides, and the gradient
of a piecewise-linear network jumps across the switch (measured: one path point of 50 of one digit
with a gradient 0.12 apart, which moves that digit's attributions by 3e-4 of their largest). In
float64 no point comes that close and the results agree to 1e-9. NoiseTunnel draws its noise from chainrule's generator: the Captum run
is given the very same draws (its noise function and numpy's baseline draw patched to call
chainrule's with the same seed), so everything but the random numbers is compared exactly, and the
noise itself is checked for reproducibility and its statistics. Also: the model is left as it was
(.grad, modes, buffers, no hooks) after success and failure, and bad input gives clear errors."""
import os
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.datasets import Digits
from chainrule.inspect import (IntegratedGradients, LayerAttribution, LayerGradCam, NoiseTunnel, Occlusion,
                               Saliency)
from chainrule.inspect import _noise_tunnel
from conftest import torch
from torch_twins import on_torch, to_torch, twins

try:
    import captum.attr as captum_attr
except ImportError:
    captum_attr = None

# Captum's gradient methods warn that they set requires_grad on the inputs they are given; nothing to see.
pytestmark = pytest.mark.filterwarnings("ignore:Input Tensor .* did not already require gradients")

requires_captum = pytest.mark.skipif(
    torch is None or captum_attr is None,
    reason="the oracle is missing: Captum on PyTorch (pip install torch==2.13.0 captum==0.9.0)")

sys.path.insert(0, os.path.join(os.path.dirname(__file__), os.pardir, "examples"))
import train_digits  # noqa: E402


@pytest.fixture(scope="module")
def digits_cnn():
    """The example's DigitsCNN after 100 Adam steps on the training digits (87% test accuracy: its
    attributions mean something), in eval mode."""
    cr.manual_seed(0)
    images, labels = Digits(train=True).tensors()
    model = train_digits.DigitsCNN()
    optimizer = cr.optim.Adam(model.parameters(), lr=3e-3)
    for step in range(100):
        start = step * 32 % (images.shape[0] - 32)
        loss = nn.functional.cross_entropy(model(images[start:start + 32]), labels[start:start + 32])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model.eval()


@pytest.fixture(scope="module")
def cnn_twins(digits_cnn):
    """dtype name -> (the trained CNN, its twin on torch.nn with the same weights), in that dtype."""
    if torch is None:
        pytest.skip("PyTorch is not installed (pip install torch==2.13.0)")
    pairs = {}
    for dtype in ("float32", "float64"):
        ours = train_digits.DigitsCNN()
        ours.load_state_dict(digits_cnn.state_dict())
        theirs = on_torch(train_digits.DigitsCNN)()
        theirs.load_state_dict(to_torch(digits_cnn.state_dict()))
        pairs[dtype] = ours.to(getattr(cr, dtype)).eval(), theirs.to(getattr(torch, dtype)).eval()
    return pairs


def test_digits(count, dtype="float32"):
    images, labels = Digits(train=False).tensors()
    return images[:count].to(getattr(cr, dtype)), labels[:count]


def mean_digit(dtype, keepdim=True):
    return Digits(train=True).tensors()[0].mean(0, keepdim=keepdim).to(getattr(cr, dtype))


test_digits.__test__ = False   # a helper, not a test


def targets(kind, labels):
    """The same targets for chainrule and for Captum, of the given kind."""
    if kind == "int":
        return 3, 3
    if kind == "list":
        return labels.tolist(), labels.tolist()
    return labels, to_torch(labels)


ROUND_OFF = {"float32": (1e-4, 1e-5), "float64": (1e-6, 1e-7)}   # rtol, atol relative to the largest magnitude


def assert_matches(ours, theirs, dtype="float32"):
    """ours (chainrule) equals theirs (torch) to round-off in `dtype`."""
    got = ours.numpy()
    want = theirs.detach().numpy()
    assert got.shape == want.shape and got.dtype == want.dtype
    rtol, atol = ROUND_OFF[dtype]
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol * max(np.abs(want).max(), 1e-30))


# ---- each method against Captum ----------------------------------------------------------------------

@requires_captum
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("batch", [1, 5, 32])
@pytest.mark.parametrize("target_kind", ["int", "list", "tensor"])
@pytest.mark.parametrize("absolute", [True, False])
def test_saliency_matches_captum(cnn_twins, dtype, batch, target_kind, absolute):
    ours, theirs = cnn_twins[dtype]
    images, labels = test_digits(batch, dtype)
    ours_target, their_target = targets(target_kind, labels)
    got = Saliency(ours).attribute(images, target=ours_target, abs=absolute)
    want = captum_attr.Saliency(theirs).attribute(to_torch(images), target=their_target, abs=absolute)
    assert_matches(got, want, dtype)


def assert_deltas_match(ours, theirs, torch_model, images):
    """Convergence deltas equal: each is a difference of sums of the model's outputs, so round-off is relative
    to their size, and Captum weighs the steps in float32 (7 digits), whatever the model's dtype."""
    scale = torch_model(to_torch(images)).detach().abs().max().item()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=0, atol=1e-6 * scale)


IG_CASES = {
    "gausslegendre": dict(method="gausslegendre"),
    "riemann_trapezoid": dict(method="riemann_trapezoid"),
    "riemann_left": dict(method="riemann_left", n_steps=20),
    "riemann_right": dict(method="riemann_right", n_steps=20),
    "riemann_middle": dict(method="riemann_middle", n_steps=20),
    "number_baseline": dict(baselines=0.25, n_steps=30),
    "batch_of_one_baseline": dict(baselines="mean_digit"),
    "internal_batch_size": dict(internal_batch_size=48, n_steps=25),
    "not_multiplied": dict(multiply_by_inputs=False, n_steps=25),
}


@requires_captum
@pytest.mark.parametrize("case", IG_CASES)
@pytest.mark.parametrize("batch, target_kind", [(1, "int"), (6, "list"), (32, "tensor")])
def test_integrated_gradients_and_delta_match_captum(cnn_twins, case, batch, target_kind):
    ours, theirs = cnn_twins["float64"]
    images, labels = test_digits(batch, "float64")
    ours_target, their_target = targets(target_kind, labels)
    kwargs = dict(IG_CASES[case])
    multiply = kwargs.pop("multiply_by_inputs", True)
    if kwargs.get("baselines") == "mean_digit":
        kwargs["baselines"] = mean_digit("float64")
    got, got_delta = IntegratedGradients(ours, multiply_by_inputs=multiply).attribute(
        images, target=ours_target, return_convergence_delta=True, **kwargs)
    want, want_delta = captum_attr.IntegratedGradients(theirs, multiply_by_inputs=multiply).attribute(
        to_torch(images), target=their_target, return_convergence_delta=True, **to_torch(kwargs))
    assert_matches(got, want, "float64")
    assert_deltas_match(got_delta, want_delta, theirs, images)


def test_integrated_gradients_completeness_gap_shrinks_with_more_steps(digits_cnn):
    """The delta is sum(attributions) - (f(x) - f(baseline)), and the quadrature converges to the integral."""
    images, labels = test_digits(4)
    ig = IntegratedGradients(digits_cnn)
    attributions, delta = ig.attribute(images, target=labels, n_steps=8, method="riemann_right",
                                       return_convergence_delta=True)
    with cr.no_grad():
        rise = (digits_cnn(images) - digits_cnn(cr.zeros_like(images))).gather(1, labels.reshape(-1, 1)).squeeze(1)
    np.testing.assert_allclose(delta.numpy(), (attributions.sum((1, 2, 3)) - rise).numpy(), atol=1e-5)
    gaps = [ig.attribute(images, target=labels, n_steps=n, method="riemann_trapezoid",
                         return_convergence_delta=True)[1].abs().max().item() for n in (2, 10, 200)]
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-2 * rise.abs().max().item()
    np.testing.assert_allclose(ig.compute_convergence_delta(attributions, 0, images, target=labels).numpy(),
                               delta.numpy(), atol=1e-6)


@pytest.fixture
def captum_draws_chainrule_noise(monkeypatch):
    """Captum's NoiseTunnel with chainrule's random draws: its Gaussian noise from
    chainrule.inspect's own noise function and its baseline picks (numpy.random.choice) from
    chainrule's generator, drawn in the same order as ours."""
    from captum.attr._core.noise_tunnel import NoiseTunnel as CaptumNoiseTunnel

    def noise(value, stdev, copies):
        return to_torch(_noise_tunnel.gaussian_noise(cr.from_numpy(value.detach().numpy()), stdev, copies))

    def choice(count, size):
        return cr.randint(0, count, (size,)).numpy()

    monkeypatch.setattr(CaptumNoiseTunnel, "_add_noise_to_input", staticmethod(noise))
    monkeypatch.setattr(np.random, "choice", choice)


NOISE_CASES = {
    "saliency": lambda lib, model: lib.Saliency(model),
    "integrated_gradients": lambda lib, model: lib.IntegratedGradients(model),
    "occlusion": lambda lib, model: lib.Occlusion(model),
}
NOISE_KWARGS = {"saliency": {}, "integrated_gradients": dict(n_steps=12),
                "occlusion": dict(sliding_window_shapes=(1, 4, 4), strides=(1, 4, 4))}


@requires_captum
@pytest.mark.parametrize("method", NOISE_CASES)
@pytest.mark.parametrize("nt_type", ["smoothgrad", "smoothgrad_sq", "vargrad"])
@pytest.mark.parametrize("batch, target_kind, samples, per_batch", [(1, "int", 4, None), (5, "list", 7, 3)])
def test_noise_tunnel_matches_captum_given_the_same_noise(cnn_twins, captum_draws_chainrule_noise,
                                                          method, nt_type, batch, target_kind, samples, per_batch):
    ours, theirs = cnn_twins["float64"]
    images, labels = test_digits(batch, "float64")
    ours_target, their_target = targets(target_kind, labels)
    settings = dict(nt_type=nt_type, nt_samples=samples, nt_samples_batch_size=per_batch, stdevs=0.2,
                    **NOISE_KWARGS[method])
    cr.manual_seed(7)
    got = NoiseTunnel(NOISE_CASES[method](cr.inspect, ours)).attribute(images, target=ours_target, **settings)
    cr.manual_seed(7)
    want = captum_attr.NoiseTunnel(NOISE_CASES[method](captum_attr, theirs)).attribute(
        to_torch(images), target=their_target, **settings)
    if method == "occlusion":   # Captum's Occlusion rounds its results to float32 (ours keep float64)
        assert_matches(got.float(), want, "float32")
    else:
        assert_matches(got, want, "float64")


@requires_captum
@pytest.mark.parametrize("draw_baseline_from_distrib", [False, True])
def test_noise_tunnel_with_integrated_gradients_deltas_and_baselines_matches_captum(
        cnn_twins, captum_draws_chainrule_noise, draw_baseline_from_distrib):
    ours, theirs = cnn_twins["float64"]
    images, labels = test_digits(3, "float64")
    baselines = (Digits(train=True).tensors()[0][:10].double() if draw_baseline_from_distrib
                 else cr.zeros(3, 1, 8, 8, dtype=cr.float64))
    settings = dict(nt_samples=5, nt_samples_batch_size=2, stdevs=0.1, n_steps=10, return_convergence_delta=True,
                    draw_baseline_from_distrib=draw_baseline_from_distrib)
    cr.manual_seed(3)
    got, got_delta = NoiseTunnel(IntegratedGradients(ours)).attribute(
        images, target=labels.tolist(), baselines=baselines, **settings)
    cr.manual_seed(3)
    want, want_delta = captum_attr.NoiseTunnel(captum_attr.IntegratedGradients(theirs)).attribute(
        to_torch(images), target=labels.tolist(), baselines=to_torch(baselines), **settings)
    assert_matches(got, want, "float64")
    assert got_delta.shape == want_delta.shape == (15,)
    assert_deltas_match(got_delta, want_delta, theirs, images)


def test_noise_comes_from_chainrules_generator(digits_cnn):
    images, labels = test_digits(3)
    smooth = NoiseTunnel(Saliency(digits_cnn))
    runs = []
    for seed in (11, 11, 12):
        cr.manual_seed(seed)
        runs.append(smooth.attribute(images, nt_samples=4, stdevs=0.3, target=labels).numpy())
    np.testing.assert_array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def test_noise_has_the_asked_for_spread():
    """For f(x) = sum x^2 the signed gradient is 2(x + e): SmoothGrad's mean is 2x, VarGrad's 4 stdev^2."""
    def squares(x):
        return (x * x).sum(1)

    x = cr.tensor([[1.0, -2.0, 0.5]])
    cr.manual_seed(0)
    mean = NoiseTunnel(Saliency(squares)).attribute(x, nt_samples=4000, stdevs=0.5, abs=False)
    cr.manual_seed(0)
    spread = NoiseTunnel(Saliency(squares)).attribute(x, nt_type="vargrad", nt_samples=4000, stdevs=0.5, abs=False)
    np.testing.assert_allclose(mean.numpy(), 2 * x.numpy(), atol=0.05)
    np.testing.assert_allclose(spread.numpy(), np.full((1, 3), 4 * 0.25), rtol=0.1)


GRAD_CAM_LAYERS = ["features.0", "features.3", "features.7"]
GRAD_CAM_OPTIONS = {"default": {}, "relu": dict(relu_attributions=True), "layer_input": dict(attribute_to_layer_input=True),
                    "per_channel": dict(attr_dim_summation=False)}


@requires_captum
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("layer", GRAD_CAM_LAYERS)
@pytest.mark.parametrize("options", GRAD_CAM_OPTIONS)
@pytest.mark.parametrize("batch, target_kind", [(1, "int"), (9, "tensor")])
def test_grad_cam_and_interpolation_match_captum(cnn_twins, dtype, layer, options, batch, target_kind):
    ours, theirs = cnn_twins[dtype]
    images, labels = test_digits(batch, dtype)
    ours_target, their_target = targets(target_kind, labels)
    kwargs = GRAD_CAM_OPTIONS[options]
    got = LayerGradCam(ours, ours.get_submodule(layer)).attribute(images, target=ours_target, **kwargs)
    want = captum_attr.LayerGradCam(theirs, theirs.get_submodule(layer)).attribute(
        to_torch(images), target=their_target, **kwargs)
    assert_matches(got, want, dtype)
    for mode in ("nearest", "bilinear"):
        assert_matches(LayerAttribution.interpolate(got, (8, 8), mode),
                       captum_attr.LayerAttribution.interpolate(want, (8, 8), mode), dtype)


def test_grad_cam_takes_the_layer_by_name(digits_cnn):
    images, labels = test_digits(4)
    by_module = LayerGradCam(digits_cnn, digits_cnn.features[3]).attribute(images, target=labels)
    by_name = LayerGradCam(digits_cnn, "features.3").attribute(images, target=labels)
    np.testing.assert_array_equal(by_module.numpy(), by_name.numpy())


OCCLUSION_CASES = {
    "3x3": dict(sliding_window_shapes=(1, 3, 3)),
    "strided_batched": dict(sliding_window_shapes=(1, 3, 3), strides=(1, 2, 2), perturbations_per_eval=5),
    "cut_at_the_edges": dict(sliding_window_shapes=(1, 2, 3), strides=2, perturbations_per_eval=64),
    "number_baseline": dict(sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2), baselines=0.5),
    "example_baseline": dict(sliding_window_shapes=(1, 2, 2), strides=(1, 2, 2), baselines="mean_digit"),
}


@requires_captum
@pytest.mark.parametrize("case", OCCLUSION_CASES)
@pytest.mark.parametrize("batch, target_kind", [(1, "int"), (7, "list"), (32, "tensor")])
def test_occlusion_matches_captum(cnn_twins, case, batch, target_kind):
    """float32 only: Captum turns Occlusion's attributions into float32 whatever the model's dtype."""
    ours, theirs = cnn_twins["float32"]
    images, labels = test_digits(batch)
    ours_target, their_target = targets(target_kind, labels)
    kwargs = dict(OCCLUSION_CASES[case])
    if kwargs.get("baselines") == "mean_digit":
        kwargs["baselines"] = mean_digit("float32", keepdim=False)
    got = Occlusion(ours).attribute(images, target=ours_target, **kwargs)
    want = captum_attr.Occlusion(theirs).attribute(to_torch(images), target=their_target, **to_torch(kwargs))
    assert_matches(got, want)


class TwoInputs(nn.Module):
    """A regressor of two inputs and an extra, unattributed scale: one number per example."""

    def __init__(self):
        super().__init__()
        self.left = nn.Linear(6, 4)
        self.right = nn.Linear(3, 4)

    def forward(self, x, z, scale):
        return (nn.functional.softplus(self.left(x)) * self.right(z)).sum(1) * scale


@requires_captum
@pytest.mark.parametrize("method", ["saliency", "integrated_gradients", "occlusion"])
def test_tuples_of_inputs_and_forward_arguments_match_captum(method):
    ours, theirs = twins(TwoInputs)
    x, z = cr.randn(5, 6), cr.randn(5, 3)
    scale = cr.tensor([1.0, 2.0, -1.0, 0.5, 3.0])
    kwargs = {"saliency": dict(abs=False), "integrated_gradients": dict(baselines=(0.1, cr.ones(1, 3)), n_steps=20),
              "occlusion": dict(sliding_window_shapes=((2,), (1,)), strides=(2, 1), perturbations_per_eval=3)}[method]
    build = {"saliency": "Saliency", "integrated_gradients": "IntegratedGradients", "occlusion": "Occlusion"}[method]
    got = getattr(cr.inspect, build)(ours).attribute((x, z), additional_forward_args=(scale,), **kwargs)
    want = getattr(captum_attr, build)(theirs).attribute(to_torch((x, z)), additional_forward_args=(to_torch(scale),),
                                                         **to_torch(kwargs))
    assert isinstance(got, tuple) and len(got) == 2
    for g, w in zip(got, want):
        assert_matches(g, w)


# ---- the model is left as it was ----------------------------------------------------------------------

def every_method(model):
    """(name, a call of each method on `model`) for the digits CNN."""
    images, labels = test_digits(4)
    return {
        "saliency": lambda: Saliency(model).attribute(images, target=labels),
        "noise_tunnel": lambda: NoiseTunnel(Saliency(model)).attribute(images, nt_samples=2, target=labels),
        "integrated_gradients": lambda: IntegratedGradients(model).attribute(images, target=labels, n_steps=5,
                                                                             return_convergence_delta=True),
        "grad_cam": lambda: LayerGradCam(model, model.features[3]).attribute(images, target=labels),
        "occlusion": lambda: Occlusion(model).attribute(images, sliding_window_shapes=(1, 4, 4), strides=(1, 4, 4),
                                                        target=labels),
    }


def model_state(model):
    return ([(name, None if p.grad is None else p.grad.numpy().copy(), p.requires_grad)
             for name, p in model.named_parameters()],
            [(name, m.training) for name, m in model.named_modules()],
            [(name, b.numpy().copy()) for name, b in model.named_buffers()],
            [(name, len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
             for name, m in model.named_modules()])


def assert_same_state(before, after):
    """Equal model_state()s: the same records, with equal arrays (or both None) where the values are arrays."""
    for old, new in zip(before, after):
        assert len(old) == len(new)
        for old_record, new_record in zip(old, new):
            assert old_record[0] == new_record[0]
            for a, b in zip(old_record[1:], new_record[1:]):
                same = np.array_equal(a, b) if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else a == b
                assert same, old_record[0]


@pytest.mark.parametrize("method", list(every_method(None)))
@pytest.mark.parametrize("mode", ["eval", "train_with_grads"])
def test_each_method_leaves_the_model_as_it_was(method, mode):
    cr.manual_seed(1)
    model = train_digits.DigitsCNN()
    if mode == "train_with_grads":     # BatchNorm updates its running statistics in training mode
        model.train()
        model.features[1].eval()       # a module in another mode than its parent keeps it
        for p in list(model.parameters())[::2]:
            p.grad = cr.randn(*p.shape)
        model.classifier[4].bias.requires_grad_(False)   # a frozen parameter stays frozen
    else:
        model.eval()
    user_hook = model.features[3].register_forward_hook(lambda *args: None)
    before = model_state(model)
    images = test_digits(4)[0].requires_grad_()
    every_method(model)[method]()
    assert_same_state(before, model_state(model))
    assert images.grad is None
    user_hook.remove()


@pytest.mark.parametrize("method", ["Saliency", "IntegratedGradients", "NoiseTunnel", "LayerGradCam", "Occlusion"])
def test_each_method_leaves_the_model_as_it_was_when_it_raises(method):
    """6x6 digits pass the convolutions (BatchNorm's running statistics move in training mode, Grad-CAM's hook
    has fired) and fail at the classifier's Linear: hooks, .grad, modes and buffers are still restored."""
    cr.manual_seed(1)
    model = train_digits.DigitsCNN().train()
    for p in list(model.parameters())[::2]:
        p.grad = cr.randn(*p.shape)
    before = model_state(model)
    with pytest.raises(RuntimeError, match=r"the forward function failed on inputs of shape \[\(\d+, 1, 6, 6\)\]"):
        digits_calls(model, cr.rand(3, 1, 6, 6))[method](target=1)
    assert_same_state(before, model_state(model))


def test_hooks_are_removed_when_grad_cam_raises(digits_cnn):
    images, _ = test_digits(2)
    before = model_state(digits_cnn)
    with pytest.raises(RuntimeError):
        LayerGradCam(digits_cnn, digits_cnn.features[3]).attribute(images[:, :, :, :5].reshape(2, 5, 8), target=1)
    with pytest.raises(ValueError):
        LayerGradCam(digits_cnn, "classifier.2").attribute(images, target=1)
    assert_same_state(before, model_state(digits_cnn))


# ---- bad input ------------------------------------------------------------------------------------------

def digits_calls(model, images):
    return {
        "Saliency": lambda **kw: Saliency(model).attribute(images, **kw),
        "IntegratedGradients": lambda **kw: IntegratedGradients(model).attribute(images, n_steps=4, **kw),
        "NoiseTunnel": lambda **kw: NoiseTunnel(Saliency(model)).attribute(images, nt_samples=2, **kw),
        "LayerGradCam": lambda **kw: LayerGradCam(model, "features.3").attribute(images, **kw),
        "Occlusion": lambda **kw: Occlusion(model).attribute(images, sliding_window_shapes=(1, 4, 4), **kw),
    }


TARGET_ERRORS = [
    (dict(target=10), IndexError, "target 10 is out of range for the model's output of shape (10,) per example: "
                                  "there are 10 classes, 0 to 9"),
    (dict(target=-11), IndexError, "target -11 is out of range"),
    (dict(target=[1, 2, 12]), IndexError, "target 12 is out of range"),
    (dict(target=[1, 2]), ValueError, "the target list has 2 entries for 3 examples"),
    (dict(target=cr.tensor([1.0, 2.0, 3.0])), TypeError, "target must hold integer class indices"),
    (dict(target=(1, 2)), IndexError, "target (1, 2) has 2 indices but the model's output of shape (10,) per "
                                      "example has only 1 dimension(s)"),
    (dict(target="cat"), TypeError, "target must be None, an int, a tuple, a list or a tensor"),
    (dict(), ValueError, "more than one number per example; give target="),
]


@pytest.mark.parametrize("method", list(digits_calls(None, None)))
@pytest.mark.parametrize("kwargs, error, message", TARGET_ERRORS)
def test_bad_targets_are_named(digits_cnn, method, kwargs, error, message):
    images, _ = test_digits(3)
    with pytest.raises(error) as raised:
        digits_calls(digits_cnn, images)[method](**kwargs)
    assert message in str(raised.value)


@pytest.mark.parametrize("method", list(digits_calls(None, None)))
def test_wrong_input_shape_is_named(digits_cnn, method):
    """The failing forward is named with the shapes it was given (for Integrated Gradients and NoiseTunnel
    a batch of every path point or noisy copy of the 3 examples) and the model's own error."""
    images = cr.randn(3, 2, 8, 8)
    with pytest.raises(RuntimeError, match=r"the forward function failed on inputs of shape \[\(\d+, 2, 8, 8\)\]: "
                                           r"\w+Error: .*channels"):
        digits_calls(digits_cnn, images)[method](target=1)


INPUT_ERRORS = [
    (lambda m: Saliency(m).attribute(np.zeros((2, 1, 8, 8)), target=1), TypeError, "inputs must be a tensor"),
    (lambda m: Saliency(m).attribute(cr.tensor(1.0), target=1), ValueError, "0-d tensor"),
    (lambda m: Saliency(m).attribute(cr.zeros(2, 1, 8, 8, dtype=cr.int64), target=1), TypeError, "floating-point"),
    (lambda m: IntegratedGradients(m).attribute(test_digits(2)[0], baselines=cr.zeros(3, 1, 8, 8), target=1),
     ValueError, "baseline 0 has shape (3, 1, 8, 8) but input 0 has shape (2, 1, 8, 8)"),
    (lambda m: IntegratedGradients(m).attribute(test_digits(2)[0], method="simpson", target=1),
     ValueError, "method must be one of"),
    (lambda m: IntegratedGradients(m).attribute(test_digits(2)[0], method="riemann_left", n_steps=1, target=1),
     ValueError, "need n_steps of at least 2"),
    (lambda m: NoiseTunnel(Saliency(m)).attribute(test_digits(2)[0], nt_type="smooth", target=1),
     ValueError, "nt_type must be one of"),
    (lambda m: Occlusion(m).attribute(test_digits(2)[0], sliding_window_shapes=(1, 9, 3), target=1),
     ValueError, "sliding window (1, 9, 3) does not fit input 0 of shape (2, 1, 8, 8)"),
    (lambda m: Occlusion(m).attribute(test_digits(2)[0], sliding_window_shapes=(3, 3), target=1),
     ValueError, "it needs 3 sizes"),
    (lambda m: Occlusion(m).attribute(test_digits(2)[0], sliding_window_shapes=(1, 2, 2), strides=3, target=1),
     ValueError, "strides (3, 3, 3) are larger than the sliding window (1, 2, 2)"),
    (lambda m: Occlusion(m).attribute(test_digits(2)[0], sliding_window_shapes=(1, 2, 2), baselines=cr.zeros(8, 8),
                                      target=1), ValueError, "baseline 0 has shape (8, 8)"),
]


@pytest.mark.parametrize("call, error, message", INPUT_ERRORS)
def test_bad_inputs_are_named(digits_cnn, call, error, message):
    with pytest.raises(error) as raised:
        call(digits_cnn)
    assert message in str(raised.value)


def test_grad_cam_layer_errors_name_the_problem(digits_cnn):
    images, _ = test_digits(2)
    with pytest.raises(ValueError, match=r"is not a module of the model DigitsCNN; its layers with parameters are: "
                                         r"features\.0 \(Conv2d\), features\.1 \(BatchNorm2d\)"):
        LayerGradCam(digits_cnn, nn.Conv2d(1, 4, 3))
    with pytest.raises(ValueError, match="has no layer named 'features.99'"):
        LayerGradCam(digits_cnn, "features.99")
    with pytest.raises(TypeError, match="a layer given by name"):
        LayerGradCam(lambda x: digits_cnn(x), "features.0")
    with pytest.raises(ValueError, match=r"layer 'classifier\.2' \(Linear\) gives an output of shape\(s\) \[\(2, 128\)\], "
                                         r"not one 4-d \(N, C, H, W\) feature map; Grad-CAM needs a convolutional "
                                         r"layer, e\.g\. one of \['features\.0', 'features\.3', 'features\.7'\]"):
        LayerGradCam(digits_cnn, "classifier.2").attribute(images, target=1)
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))
    with pytest.raises(ValueError, match=r"layer '1' \(Linear\) gives an output .* needs a convolutional layer$"):
        LayerGradCam(mlp, mlp[1]).attribute(images, target=1)
    with_a_spare = WithASpareLayer()
    with pytest.raises(ValueError, match=r"the layer 'spare' \(Conv2d\) was not called by the forward pass"):
        LayerGradCam(with_a_spare, with_a_spare.spare).attribute(images, target=1)


class WithASpareLayer(nn.Module):
    """A classifier with a convolution that its forward never calls."""

    def __init__(self):
        super().__init__()
        self.used = nn.Conv2d(1, 10, 8)
        self.spare = nn.Conv2d(1, 10, 8)

    def forward(self, x):
        return self.used(x).flatten(1)
