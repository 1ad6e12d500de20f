"""Lazy conv and norm layers (LazyLinear is in test_nn_layers_more.py): repr and state_dict keys before the
first forward, materialization into the eager class, PyTorch's initialization bounds, then forward and
gradients against torch.nn with copied weights; a d2l-style LeNet of lazy layers; checkpoint loading."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import assert_same_error, requires_torch, torch
from module_parity import check_module_parity

RNG = np.random.default_rng(5)

LAZY = {
    "conv1d": (lambda n: n.LazyConv1d(4, 3, stride=2, padding=1, groups=2), (2, 6, 9), "Conv1d"),
    "conv2d": (lambda n: n.LazyConv2d(5, (3, 2), padding="same", padding_mode="reflect", bias=False), (2, 3, 6, 5),
               "Conv2d"),
    "conv2d_unbatched": (lambda n: n.LazyConv2d(2, 3), (3, 5, 5), "Conv2d"),
    "conv_transpose1d": (lambda n: n.LazyConvTranspose1d(4, 3, 2, groups=2), (2, 6, 5), "ConvTranspose1d"),
    "conv_transpose2d": (lambda n: n.LazyConvTranspose2d(3, 3, stride=2, padding=1, output_padding=1), (1, 2, 3, 4),
                         "ConvTranspose2d"),
    "conv3d": (lambda n: n.LazyConv3d(3, 2, padding=1), (2, 2, 3, 4, 3), "Conv3d"),
    "batchnorm3d": (lambda n: n.LazyBatchNorm3d(), (2, 3, 2, 3, 2), "BatchNorm3d"),
    "instancenorm3d": (lambda n: n.LazyInstanceNorm3d(affine=False), (2, 2, 3, 2, 2), "InstanceNorm3d"),
    "batchnorm1d": (lambda n: n.LazyBatchNorm1d(momentum=0.2), (4, 3, 5), "BatchNorm1d"),
    "batchnorm2d": (lambda n: n.LazyBatchNorm2d(affine=False), (3, 2, 3, 3), "BatchNorm2d"),
    "instancenorm1d": (lambda n: n.LazyInstanceNorm1d(), (2, 3, 6), "InstanceNorm1d"),
    "instancenorm2d": (lambda n: n.LazyInstanceNorm2d(track_running_stats=False, bias=False), (2, 3, 4, 4),
                       "InstanceNorm2d"),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(LAZY))
def test_lazy_layer_materializes_like_torch(name):
    build, shape, eager = LAZY[name]
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert ours.has_uninitialized_params()
    x = RNG.standard_normal(shape).astype(np.float32)
    ours(cr.tensor(x))
    theirs(torch.tensor(x))
    assert type(ours) is getattr(nn, eager) and repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    if "norm" in name:  # ones, zeros, and the running statistics after the first (training) batch
        for key, value in theirs.state_dict().items():
            np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-5, atol=1e-7)
    else:  # kaiming_uniform_(a=sqrt(5)) and the bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in from the weight
        fan_in = np.prod(ours.weight.shape[1:])
        for param in ours.parameters():
            values = np.abs(param.detach().numpy())
            assert 0 < values.max() <= 1 / np.sqrt(fan_in)
    check_module_parity(ours, theirs, lambda m, v: m(v), [RNG.standard_normal(shape)])


@requires_torch
def test_lazy_lenet_as_in_d2l():
    def lenet(n):
        return n.Sequential(n.LazyConv2d(6, 5, padding=2), n.Sigmoid(), n.AvgPool2d(2, 2), n.LazyConv2d(16, 5),
                            n.LazyBatchNorm2d(), n.Sigmoid(), n.AvgPool2d(2, 2), n.Flatten(), n.LazyLinear(120),
                            n.Sigmoid(), n.LazyLinear(10))
    ours, theirs = lenet(nn), lenet(torch.nn)
    x = RNG.standard_normal((2, 1, 28, 28)).astype(np.float32)
    ours(cr.tensor(x))
    theirs(torch.tensor(x))
    assert repr(ours) == repr(theirs)
    check_module_parity(ours, theirs, lambda m, v: m(v), [RNG.standard_normal((3, 1, 28, 28))])


def test_lazy_norm_and_conv_load_a_checkpoint():
    eager = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    eager(cr.randn(2, 3, 5, 5))  # running statistics move away from 0 / 1
    lazy = nn.Sequential(nn.LazyConv2d(4, 3), nn.LazyBatchNorm2d())
    lazy.load_state_dict(eager.state_dict())
    for key, value in eager.state_dict().items():
        np.testing.assert_array_equal(lazy.state_dict()[key].numpy(), value.numpy())
    eager.eval()
    lazy.eval()
    x = cr.randn(1, 3, 5, 5)
    np.testing.assert_allclose(lazy(x).detach().numpy(), eager(x).detach().numpy(), rtol=1e-6)
    assert type(lazy[0]) is nn.Conv2d and type(lazy[1]) is nn.BatchNorm2d


@requires_torch
def test_lazy_conv_errors():
    for build, shape in [(lambda n: n.LazyConv2d(4, 3), (2, 3)), (lambda n: n.LazyConv1d(4, 3, groups=2), (1, 3, 5))]:
        assert_same_error(lambda: build(nn)(cr.zeros(shape)), lambda: build(torch.nn)(torch.zeros(shape)),
                          renamed=True)
