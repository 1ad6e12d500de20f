"""Forward (and backward) of the layers that call chainrule.nn.functional ops, against PyTorch.

Each test is skipped, naming the op, until that op exists in chainrule.nn.functional (the ops are
built in parallel); after the merge they run automatically. Weights come from the torch layer via
state_dict, so outputs and gradients must agree.
"""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from conftest import requires_torch, torch

pytestmark = requires_torch


def needs(*ops):
    missing = [op for op in ops if not hasattr(F, op)]
    return pytest.mark.skipif(bool(missing), reason=f"chainrule.nn.functional.{', '.join(missing)} not built yet")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def load_from_torch(ours, theirs):
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def run_both(make, *arrays, train=True, backward=True, rtol=1e-4, atol=1e-5):
    """Builds the layer from both packages with torch's weights, runs it on `arrays` and compares
    outputs, input gradients and parameter gradients; returns both modules."""
    theirs = make(torch.nn)
    ours = make(nn)
    load_from_torch(ours, theirs)
    ours.train(train)
    theirs.train(train)
    floating = [a.dtype.kind == "f" for a in arrays]
    xs = [cr.tensor(a, requires_grad=f and backward) for a, f in zip(arrays, floating)]
    ts = [torch.tensor(a, requires_grad=f and backward) for a, f in zip(arrays, floating)]
    out, tout = ours(*xs), theirs(*ts)
    if isinstance(out, tuple):
        for o, t in zip(out, tout):
            np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol)
        out, tout = out[0], tout[0]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=rtol, atol=atol)
    if backward and tout.requires_grad:
        seed = rand(*tout.shape, seed=7) if tout.dim() else np.float32(1.0)
        out.backward(cr.tensor(seed))
        tout.backward(torch.tensor(seed))
        for x, t in zip(xs, ts):
            if t.grad is not None:
                np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol)
        for (name, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
            if tp.grad is not None:
                np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=rtol, atol=atol, err_msg=name)
    return ours, theirs


# ---- convolution -----------------------------------------------------------------------------------

@needs("conv1d")
@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "dilation": 2, "groups": 2, "bias": False},
                                    {"padding": "same"}, {"padding": "valid"}])
def test_conv1d(kwargs):
    run_both(lambda n: n.Conv1d(4, 6, 3, **kwargs), rand(2, 4, 9))


@needs("conv2d")
@pytest.mark.parametrize("kwargs", [{}, {"stride": (2, 1), "padding": (1, 2), "groups": 2},
                                    {"padding": "same", "dilation": 2}, {"bias": False}])
def test_conv2d(kwargs):
    run_both(lambda n: n.Conv2d(4, 6, 3, **kwargs), rand(2, 4, 7, 8))


@needs("conv2d", "pad")
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv2d_padding_modes(mode, padding):
    run_both(lambda n: n.Conv2d(2, 3, 3, padding=padding, padding_mode=mode), rand(2, 2, 6, 7))


@needs("conv1d", "pad")
def test_conv1d_padding_mode():
    run_both(lambda n: n.Conv1d(2, 3, 3, padding=2, padding_mode="reflect"), rand(2, 2, 6))


@needs("conv2d")
def test_conv2d_unbatched():
    run_both(lambda n: n.Conv2d(2, 3, 3), rand(2, 5, 5))


@needs("conv_transpose2d")
@pytest.mark.parametrize("kwargs", [{}, {"stride": 2, "padding": 1, "output_padding": 1},
                                    {"groups": 2, "dilation": 2, "bias": False}])
def test_conv_transpose2d(kwargs):
    run_both(lambda n: n.ConvTranspose2d(4, 6, 3, **kwargs), rand(2, 4, 5, 5))


@needs("conv_transpose2d")
def test_conv_transpose2d_output_size():
    theirs = torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    ours = nn.ConvTranspose2d(2, 3, 3, stride=2)
    load_from_torch(ours, theirs)
    x = rand(1, 2, 5, 5)
    out = ours(cr.tensor(x), output_size=[1, 3, 12, 12])
    tout = theirs(torch.tensor(x), output_size=[1, 3, 12, 12])
    assert tuple(out.shape) == (1, 3, 12, 12)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-4, atol=1e-5)


# ---- pooling ---------------------------------------------------------------------------------------

@needs("max_pool1d")
def test_max_pool1d():
    run_both(lambda n: n.MaxPool1d(3, 2, 1), rand(2, 3, 9))


@needs("max_pool2d")
@pytest.mark.parametrize("kwargs", [{}, {"stride": 1, "padding": 1, "dilation": 2, "ceil_mode": True},
                                    {"return_indices": True}])
def test_max_pool2d(kwargs):
    run_both(lambda n: n.MaxPool2d(2, **kwargs), rand(2, 3, 7, 8))


@needs("avg_pool1d")
def test_avg_pool1d():
    run_both(lambda n: n.AvgPool1d(3, 2, 1, count_include_pad=False), rand(2, 3, 9))


@needs("avg_pool2d")
@pytest.mark.parametrize("kwargs", [{}, {"stride": 1, "padding": 1, "ceil_mode": True, "count_include_pad": False},
                                    {"divisor_override": 3}])
def test_avg_pool2d(kwargs):
    run_both(lambda n: n.AvgPool2d(3, **kwargs), rand(2, 3, 7, 8))


@needs("adaptive_avg_pool2d")
@pytest.mark.parametrize("size", [1, (3, 2), (None, 4)])
def test_adaptive_avg_pool2d(size):
    run_both(lambda n: n.AdaptiveAvgPool2d(size), rand(2, 3, 7, 8))


@needs("adaptive_avg_pool1d")
def test_adaptive_avg_pool1d():
    run_both(lambda n: n.AdaptiveAvgPool1d(4), rand(2, 3, 9))


@needs("adaptive_max_pool2d")
@pytest.mark.parametrize("return_indices", [False, True])
def test_adaptive_max_pool2d(return_indices):
    run_both(lambda n: n.AdaptiveMaxPool2d((2, 3), return_indices), rand(2, 3, 7, 8))


# ---- normalization ---------------------------------------------------------------------------------

@needs("batch_norm")
@pytest.mark.parametrize("make,shape", [(lambda n: n.BatchNorm1d(3), (5, 3)), (lambda n: n.BatchNorm1d(3), (4, 3, 6)),
                                        (lambda n: n.BatchNorm2d(3), (4, 3, 5, 5)),
                                        (lambda n: n.BatchNorm2d(3, affine=False), (4, 3, 2, 2)),
                                        (lambda n: n.BatchNorm2d(3, momentum=None), (4, 3, 2, 2)),
                                        (lambda n: n.BatchNorm1d(3, track_running_stats=False), (5, 3))])
def test_batch_norm_train_then_eval_matches_torch(make, shape):
    ours, theirs = None, None
    for step in range(3):  # running statistics accumulate over training steps
        ours_step, theirs_step = run_both(make, rand(*shape, seed=step))
        if ours is None:
            ours, theirs = ours_step, theirs_step
        else:
            x = rand(*shape, seed=step)
            ours(cr.tensor(x))
            theirs(torch.tensor(x))
    for name in ("running_mean", "running_var", "num_batches_tracked"):
        if getattr(theirs, name) is not None:
            np.testing.assert_allclose(getattr(ours, name).numpy(), getattr(theirs, name).numpy(), rtol=1e-5, atol=1e-6)
        else:
            assert getattr(ours, name) is None
    ours.eval()
    theirs.eval()
    x = rand(*shape, seed=9)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-4, atol=1e-5)


@needs("batch_norm")
def test_batch_norm_eval_uses_running_stats():
    run_both(lambda n: n.BatchNorm2d(3), rand(2, 3, 4, 4), train=False)


@needs("batch_norm")
def test_batch_norm_checks_input_dims():
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(3)(cr.zeros(2, 3))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(3)(cr.zeros(2, 3, 4, 4))


@needs("layer_norm")
@pytest.mark.parametrize("make,shape", [(lambda n: n.LayerNorm(5), (3, 5)), (lambda n: n.LayerNorm((2, 5)), (3, 2, 5)),
                                        (lambda n: n.LayerNorm(5, elementwise_affine=False), (2, 3, 5)),
                                        (lambda n: n.LayerNorm(5, bias=False), (3, 5))])
def test_layer_norm(make, shape):
    run_both(make, rand(*shape))


@needs("group_norm")
@pytest.mark.parametrize("make", [lambda n: n.GroupNorm(2, 4), lambda n: n.GroupNorm(1, 4, affine=False),
                                  lambda n: n.GroupNorm(4, 4)])
def test_group_norm(make):
    run_both(make, rand(2, 4, 3, 3))


# ---- dropout ---------------------------------------------------------------------------------------

@needs("dropout")
def test_dropout_train_and_eval():
    layer = nn.Dropout(0.3)
    x = cr.ones(200, 100)
    y = layer(x).numpy()
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y[kept], 1 / 0.7, rtol=1e-6)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())


@needs("dropout2d")
def test_dropout2d_zeroes_whole_channels():
    layer = nn.Dropout2d(0.5)
    y = layer(cr.ones(20, 30, 3, 3)).numpy()
    per_channel = y.reshape(20, 30, 9)
    assert ((per_channel == 0).all(-1) | (per_channel == 2).all(-1)).all()
    layer.eval()
    np.testing.assert_array_equal(layer(cr.ones(2, 3, 2, 2)).numpy(), 1)


# ---- upsampling ------------------------------------------------------------------------------------

@needs("interpolate")
@pytest.mark.parametrize("make", [lambda n: n.Upsample(scale_factor=2),
                                  lambda n: n.Upsample(size=(5, 7), mode="bilinear"),
                                  lambda n: n.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                                  lambda n: n.UpsamplingNearest2d(size=6),
                                  lambda n: n.UpsamplingBilinear2d(scale_factor=2)])
def test_upsample(make):
    run_both(make, rand(2, 3, 3, 4))


# ---- activations -----------------------------------------------------------------------------------

ACTIVATIONS = [
    ("relu", lambda n: n.ReLU()), ("hardtanh", lambda n: n.ReLU6()), ("leaky_relu", lambda n: n.LeakyReLU(0.2)),
    ("elu", lambda n: n.ELU(0.7)), ("celu", lambda n: n.CELU(0.5)), ("selu", lambda n: n.SELU()),
    ("gelu", lambda n: n.GELU()), ("gelu", lambda n: n.GELU("tanh")), ("silu", lambda n: n.SiLU()),
    ("mish", lambda n: n.Mish()), ("softplus", lambda n: n.Softplus(2.0, 1.0)), ("softmax", lambda n: n.Softmax(1)),
    ("log_softmax", lambda n: n.LogSoftmax(-1)), ("softmin", lambda n: n.Softmin(0)),
    ("hardtanh", lambda n: n.Hardtanh(-0.5, 0.8)), ("hardswish", lambda n: n.Hardswish()),
    ("hardsigmoid", lambda n: n.Hardsigmoid()), ("logsigmoid", lambda n: n.LogSigmoid()),
    ("softsign", lambda n: n.Softsign()), ("threshold", lambda n: n.Threshold(0.1, -2.0)),
    ("prelu", lambda n: n.PReLU(3)), ("tanhshrink", lambda n: n.Tanhshrink()),
    ("softshrink", lambda n: n.Softshrink(0.3)), ("hardshrink", lambda n: n.Hardshrink(0.3)),
]


@pytest.mark.parametrize("op,make", ACTIVATIONS, ids=[f"{op}{i}" for i, (op, _) in enumerate(ACTIVATIONS)])
def test_activation(op, make):
    if not hasattr(F, op):
        pytest.skip(f"chainrule.nn.functional.{op} not built yet")
    run_both(make, rand(4, 3, 5))


@needs("relu")
def test_inplace_activation_writes_into_its_input():
    x = cr.tensor([-1.0, 2.0])
    y = nn.ReLU(inplace=True)(x)
    np.testing.assert_array_equal(x.numpy(), [0.0, 2.0])
    np.testing.assert_array_equal(y.numpy(), [0.0, 2.0])


# ---- losses ----------------------------------------------------------------------------------------

def regression_pair():
    return rand(4, 3, seed=1), rand(4, 3, seed=2)


def probabilities(*shape, seed):
    return 1 / (1 + np.exp(-rand(*shape, seed=seed)))


LOSSES = [
    ("mse_loss", lambda n: n.MSELoss(), regression_pair),
    ("mse_loss", lambda n: n.MSELoss(reduction="none"), regression_pair),
    ("l1_loss", lambda n: n.L1Loss(reduction="sum"), regression_pair),
    ("smooth_l1_loss", lambda n: n.SmoothL1Loss(beta=0.5), regression_pair),
    ("huber_loss", lambda n: n.HuberLoss(delta=0.7), regression_pair),
    ("cross_entropy", lambda n: n.CrossEntropyLoss(), lambda: (rand(5, 4), np.array([0, 3, 1, 1, 2]))),
    ("cross_entropy", lambda n: n.CrossEntropyLoss(weight=n.Linear(4, 1).weight.detach().reshape(-1).abs() + 0.5,
                                                   ignore_index=1, label_smoothing=0.1),
     lambda: (rand(5, 4), np.array([0, 3, 1, 1, 2]))),
    ("cross_entropy", lambda n: n.CrossEntropyLoss(reduction="sum"),
     lambda: (rand(2, 4, 3), np.array([[0, 3, 1], [2, 2, 0]]))),
    ("nll_loss", lambda n: n.NLLLoss(), lambda: (rand(5, 4), np.array([0, 3, 1, 1, 2]))),
    ("binary_cross_entropy", lambda n: n.BCELoss(), lambda: (probabilities(4, 3, seed=1), probabilities(4, 3, seed=2))),
    ("binary_cross_entropy_with_logits", lambda n: n.BCEWithLogitsLoss(),
     lambda: (rand(4, 3), probabilities(4, 3, seed=2))),
    ("kl_div", lambda n: n.KLDivLoss(reduction="batchmean"), lambda: (rand(4, 3), probabilities(4, 3, seed=2))),
    ("kl_div", lambda n: n.KLDivLoss(reduction="sum", log_target=True), regression_pair),
]


@pytest.mark.parametrize("op,make,inputs", LOSSES, ids=[f"{op}{i}" for i, (op, _, _) in enumerate(LOSSES)])
def test_loss(op, make, inputs):
    if not hasattr(F, op):
        pytest.skip(f"chainrule.nn.functional.{op} not built yet")
    torch.manual_seed(0)
    cr.manual_seed(0)
    run_both(make, *inputs())


@needs("binary_cross_entropy_with_logits")
def test_bce_with_logits_pos_weight():
    pos_weight = np.array([0.5, 2.0, 3.0], dtype=np.float32)
    theirs = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos_weight))
    ours = nn.BCEWithLogitsLoss(pos_weight=cr.tensor(pos_weight))
    x, t = rand(4, 3), probabilities(4, 3, seed=3)
    np.testing.assert_allclose(ours(cr.tensor(x), cr.tensor(t)).numpy(),
                               theirs(torch.tensor(x), torch.tensor(t)).numpy(),
                               rtol=1e-5)


# ---- a whole model ---------------------------------------------------------------------------------

@needs("conv2d", "batch_norm", "relu", "max_pool2d", "cross_entropy")
def test_small_cnn_matches_torch_end_to_end():
    def make(n):
        return n.Sequential(n.Conv2d(1, 4, 3, padding=1), n.BatchNorm2d(4), n.ReLU(), n.MaxPool2d(2), n.Flatten(),
                            n.Linear(4 * 4 * 4, 10))
    x, y = rand(3, 1, 8, 8), np.array([1, 7, 3])
    ours, theirs = run_both(make, x)
    loss = nn.CrossEntropyLoss()(ours(cr.tensor(x)), cr.tensor(y))
    tloss = torch.nn.CrossEntropyLoss()(theirs(torch.tensor(x)), torch.tensor(y))
    np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5)
