"""The nn layers added for PyTorch programs beyond the basics (padding, pixel shuffle, fold/unfold,
instance/RMS/local-response norm, GLU/RReLU/Softmax2d, distances, ConvTranspose1d, AdaptiveMaxPool1d,
the dropout variants): repr, state_dict keys and parameter shapes equal to torch.nn's, then the forward
and the gradients of inputs and parameters against torch.nn with the same (randomized) weights in float64."""
import warnings

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import assert_same_error, requires_torch, torch
from module_parity import check_module_parity

RNG = np.random.default_rng(7)

# name: (build(nn package), input shapes)
LAYERS = {
    "zeropad1d": (lambda n: n.ZeroPad1d((1, 2)), [(2, 3, 4)]),
    "zeropad2d": (lambda n: n.ZeroPad2d(1), [(2, 3, 4, 5)]),
    "zeropad2d_crop": (lambda n: n.ZeroPad2d((1, -1, 0, 2)), [(3, 4, 5)]),
    "zeropad3d": (lambda n: n.ZeroPad3d((1, 0, 2, 1, 0, 1)), [(1, 2, 2, 3, 2)]),
    "constpad1d": (lambda n: n.ConstantPad1d(2, 3.5), [(2, 4)]),
    "constpad2d": (lambda n: n.ConstantPad2d((0, 1, 2, 3), -1.0), [(1, 2, 3, 3)]),
    "constpad3d": (lambda n: n.ConstantPad3d(1, 0.5), [(1, 2, 2, 2)]),
    "reflpad1d": (lambda n: n.ReflectionPad1d((2, 1)), [(2, 3, 4)]),
    "reflpad2d": (lambda n: n.ReflectionPad2d((1, 2, 2, 1)), [(2, 2, 4, 5)]),
    "reflpad2d_unbatched": (lambda n: n.ReflectionPad2d(1), [(2, 3, 3)]),
    "replpad1d": (lambda n: n.ReplicationPad1d(3), [(3, 4)]),
    "replpad2d": (lambda n: n.ReplicationPad2d((0, 2, 1, 1)), [(1, 2, 3, 4)]),
    "circpad1d": (lambda n: n.CircularPad1d((1, 2)), [(2, 3, 4)]),
    "circpad2d": (lambda n: n.CircularPad2d(1), [(1, 2, 3, 4)]),
    "reflpad3d": (lambda n: n.ReflectionPad3d((1, 2, 0, 1, 2, 1)), [(2, 2, 3, 3, 4)]),
    "replpad3d": (lambda n: n.ReplicationPad3d(2), [(2, 3, 2, 3)]),
    "circpad3d": (lambda n: n.CircularPad3d((1, -1, 2, 0, 1, 1)), [(1, 2, 3, 3, 4)]),
    "pixel_shuffle": (lambda n: n.PixelShuffle(2), [(2, 8, 3, 2)]),
    "pixel_unshuffle": (lambda n: n.PixelUnshuffle(3), [(1, 2, 6, 3)]),
    "unfold": (lambda n: n.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), [(2, 3, 5, 6)]),
    "fold": (lambda n: n.Fold((4, 5), 2), [(2, 12, 12)]),
    "instancenorm1d": (lambda n: n.InstanceNorm1d(3), [(2, 3, 5)]),
    "instancenorm1d_affine": (lambda n: n.InstanceNorm1d(3, affine=True), [(3, 5)]),
    "instancenorm2d_running": (lambda n: n.InstanceNorm2d(2, momentum=0.3, affine=True, track_running_stats=True),
                               [(3, 2, 3, 4)]),
    "instancenorm2d_nobias": (lambda n: n.InstanceNorm2d(2, eps=1e-3, affine=True, bias=False), [(2, 3, 4)]),
    "batchnorm3d": (lambda n: n.BatchNorm3d(3, momentum=0.3), [(2, 3, 2, 3, 2)]),
    "instancenorm3d": (lambda n: n.InstanceNorm3d(2, affine=True, track_running_stats=True), [(2, 2, 3, 2, 2)]),
    "instancenorm3d_unbatched": (lambda n: n.InstanceNorm3d(2), [(2, 3, 2, 2)]),
    "rmsnorm": (lambda n: n.RMSNorm(4), [(2, 3, 4)]),
    "rmsnorm_shape": (lambda n: n.RMSNorm([3, 4], eps=1e-3), [(2, 3, 4)]),
    "rmsnorm_noaffine": (lambda n: n.RMSNorm(5, elementwise_affine=False), [(3, 5)]),
    "lrn": (lambda n: n.LocalResponseNorm(3), [(2, 5, 3, 2)]),
    "lrn_args": (lambda n: n.LocalResponseNorm(2, alpha=0.5, beta=0.5, k=2.0), [(2, 4, 3)]),
    "glu": (lambda n: n.GLU(), [(3, 4)]),
    "glu_dim": (lambda n: n.GLU(1), [(2, 6, 3)]),
    "rrelu_eval": (lambda n: n.RReLU(0.1, 0.3).eval(), [(3, 4)]),
    "softmax2d": (lambda n: n.Softmax2d(), [(2, 3, 2, 2)]),
    "pairwise_distance": (lambda n: n.PairwiseDistance(p=1.5, keepdim=True), [(3, 4), (3, 4)]),
    "cosine_similarity": (lambda n: n.CosineSimilarity(dim=0), [(3, 4), (3, 4)]),
    "conv_transpose1d": (lambda n: n.ConvTranspose1d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
                         [(2, 4, 5)]),
    "conv_transpose1d_dil": (lambda n: n.ConvTranspose1d(2, 3, 2, dilation=2, bias=False), [(2, 4)]),
    "adaptive_max1d": (lambda n: n.AdaptiveMaxPool1d(3), [(2, 3, 7)]),
    "adaptive_max1d_idx": (lambda n: n.AdaptiveMaxPool1d(2, return_indices=True), [(3, 5)]),
    "dropout1d_eval": (lambda n: n.Dropout1d(0.3).eval(), [(2, 3, 4)]),
    "dropout3d_eval": (lambda n: n.Dropout3d().eval(), [(2, 3, 2, 2, 2)]),
    "alpha_dropout_eval": (lambda n: n.AlphaDropout(0.2).eval(), [(3, 4)]),
    "lppool1d": (lambda n: n.LPPool1d(2, 3, 2), [(2, 3, 7)]),
    "lppool2d": (lambda n: n.LPPool2d(3.0, (2, 3), ceil_mode=True), [(1, 2, 5, 7)]),
    "channel_shuffle": (lambda n: n.ChannelShuffle(2), [(2, 4, 3)]),
    "feature_alpha_dropout_eval": (lambda n: n.FeatureAlphaDropout(0.2, True).eval(), [(2, 3, 4)]),
}


def _randomize(module):
    """Random values for torch's parameters and running statistics, so that the copies mean something."""
    with torch.no_grad():
        for name, tensor in module.state_dict().items():
            if tensor.is_floating_point():
                tensor.copy_(torch.tensor(RNG.uniform(0.5, 1.5, tuple(tensor.shape))))


@requires_torch
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch(name):
    build, shapes = LAYERS[name]
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    assert [k for k, _ in ours.named_parameters()] == [k for k, _ in theirs.named_parameters()]
    _randomize(theirs)
    inputs = [RNG.standard_normal(s) for s in shapes]
    check_module_parity(ours, theirs, lambda m, *xs: m(*xs), inputs)
    for key, value in theirs.state_dict().items():  # running statistics updated alike
        np.testing.assert_allclose(ours.state_dict()[key].numpy(), value.numpy(), rtol=1e-10, atol=1e-12)


@requires_torch
def test_default_initialization_matches_torch():
    for ours, theirs in [(nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
                          torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)),
                         (nn.RMSNorm((2, 3)), torch.nn.RMSNorm((2, 3)))]:
        for key, value in theirs.state_dict().items():
            np.testing.assert_array_equal(ours.state_dict()[key].numpy(), value.numpy())
    conv = nn.ConvTranspose1d(4, 6, 3)
    bound = 1 / np.sqrt(6 * 3)  # fan_in of a transposed weight (in, out, k) is out * k
    assert np.abs(conv.weight.detach().numpy()).max() <= bound and np.abs(conv.bias.detach().numpy()).max() <= bound


@requires_torch
def test_instance_norm_eval_uses_running_stats():
    ours, theirs = nn.InstanceNorm1d(3, track_running_stats=True), torch.nn.InstanceNorm1d(3, track_running_stats=True)
    x = RNG.standard_normal((4, 3, 6)).astype(np.float32)
    ours(cr.tensor(x))
    theirs(torch.tensor(x))
    ours.eval()
    theirs.eval()
    y = RNG.standard_normal((2, 3, 6)).astype(np.float32)
    np.testing.assert_allclose(ours(cr.tensor(y)).numpy(), theirs(torch.tensor(y)).numpy(), rtol=1e-5, atol=1e-6)
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 0  # instance norm does not count


@requires_torch
def test_layer_errors():
    cases = [
        (lambda n: n.CircularPad1d(1), (4,)),
        (lambda n: n.CircularPad2d(1), (2, 4)),
        (lambda n: n.CircularPad3d(1), (2, 4, 4)),
        (lambda n: n.ReflectionPad3d(3), (1, 2, 3, 3, 3)),
        (lambda n: n.CircularPad3d(4), (1, 2, 3, 3, 3)),
        (lambda n: n.InstanceNorm1d(3), (2, 3, 4, 5)),
        (lambda n: n.InstanceNorm2d(3, affine=True), (1, 4, 2, 2)),
        (lambda n: n.Softmax2d(), (2, 3)),
        (lambda n: n.GLU(), (2, 3)),
        (lambda n: n.BatchNorm3d(3), (2, 3, 4, 4)),
        (lambda n: n.InstanceNorm3d(3), (3, 4, 4)),
    ]
    for build, shape in cases:
        assert_same_error(lambda: build(nn)(cr.zeros(shape)), lambda: build(torch.nn)(torch.zeros(shape)))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element when training, got input size"):
        nn.InstanceNorm1d(3)(cr.zeros(2, 3, 1))
    assert nn.InstanceNorm1d(3, track_running_stats=True).eval()(cr.zeros(2, 3, 1)).shape == (2, 3, 1)
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(4)(cr.zeros(2, 3, 5))
    assert_same_error(lambda: nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect"),
                      lambda: torch.nn.ConvTranspose1d(2, 2, 3, padding_mode="reflect"))
    conv = nn.ConvTranspose1d(2, 2, 3, stride=2)
    with pytest.raises(ValueError, match="requested an output size of"):
        conv(cr.zeros(1, 2, 4), output_size=[12])
    assert conv(cr.zeros(1, 2, 4), output_size=[10]).shape == (1, 2, 10)


@requires_torch
def test_instance_norm_refuses_stale_running_stats():
    """A state_dict without version metadata (pre-0.4 checkpoints) with running stats the layer does not track."""
    state = {"running_mean": np.zeros(3), "running_var": np.ones(3)}
    assert_same_error(
        lambda: nn.InstanceNorm1d(3).load_state_dict({k: cr.tensor(v) for k, v in state.items()}),
        lambda: torch.nn.InstanceNorm1d(3).load_state_dict({k: torch.tensor(v) for k, v in state.items()}))


def test_training_dropouts_and_rrelu_are_random_and_scaled():
    x = cr.ones(200, 8, 3)
    for layer, kept_values in [(nn.Dropout1d(0.5), {0.0, 2.0}), (nn.Dropout3d(0.25), {0.0, 4 / 3})]:
        out = layer(x.reshape(200, 8, 3, 1, 1) if isinstance(layer, nn.Dropout3d) else x).numpy()
        np.testing.assert_allclose(np.unique(out), sorted(kept_values), rtol=1e-6)
        assert np.all(out.reshape(200, 8, -1).std(-1) == 0)  # whole channels
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nn.AlphaDropout(0.5)(cr.randn(1000)).numpy()
    assert len(np.unique(out)) > 2
    rrelu = nn.RReLU()
    y = rrelu(-cr.ones(1000)).numpy()
    assert np.all((y <= -1 / 8) & (y >= -1 / 3)) and y.std() > 0.01
    assert repr(nn.RReLU(0.1, 0.2, True)) == "RReLU(lower=0.1, upper=0.2, inplace=True)"


@requires_torch
def test_lazy_linear_materializes_on_first_forward():
    ours, theirs = nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(ours) == repr(theirs) and repr(ours.weight) == repr(theirs.weight) == "<UninitializedParameter>"
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    assert nn.parameter.is_lazy(ours.weight) and ours.has_uninitialized_params()
    optimizer = cr.optim.SGD(ours.parameters(), lr=0.1)  # built before the dry run, as PyTorch allows
    x = RNG.standard_normal((4, 5)).astype(np.float32)
    ours(cr.tensor(x))
    theirs(torch.tensor(x))
    assert type(ours) is nn.Linear and repr(ours) == repr(theirs) == "Linear(in_features=5, out_features=3, bias=True)"
    assert type(ours.weight) is nn.Parameter and tuple(ours.weight.shape) == (3, 5)
    bound = 1 / np.sqrt(5)  # Linear's init for in_features=5
    assert 0 < np.abs(ours.weight.detach().numpy()).max() <= bound
    assert 0 < np.abs(ours.bias.detach().numpy()).max() <= bound
    assert optimizer.param_groups[0]["params"][0] is ours.weight
    check_module_parity(ours, theirs, lambda m, x: m(x), [RNG.standard_normal((2, 5))])


@requires_torch
def test_lazy_linear_without_bias_in_a_sequential():
    ours = nn.Sequential(nn.LazyLinear(4, bias=False), nn.ReLU(), nn.LazyLinear(2))
    theirs = torch.nn.Sequential(torch.nn.LazyLinear(4, bias=False), torch.nn.ReLU(), torch.nn.LazyLinear(2))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0.weight", "2.weight", "2.bias"]
    wide = nn.LazyLinear(2, dtype=cr.float64)
    wide(cr.zeros(1, 3, dtype=cr.float64))
    assert wide.weight.dtype == cr.float64 and wide.bias.dtype == cr.float64
    ours(cr.zeros(1, 6))
    theirs(torch.zeros(1, 6))
    assert repr(ours) == repr(theirs)


def test_lazy_linear_loads_a_checkpoint_without_a_dry_run():
    lazy = nn.LazyLinear(3)
    lazy.load_state_dict({"weight": cr.ones(3, 5), "bias": cr.zeros(3)})
    assert tuple(lazy.weight.shape) == (3, 5) and not lazy.has_uninitialized_params()
    np.testing.assert_array_equal(lazy(cr.ones(2, 5)).detach().numpy(), np.full((2, 3), 5.0))
    assert type(lazy) is nn.Linear


@requires_torch
def test_sync_batch_norm_is_batch_norm_in_one_process():
    ours, theirs = nn.SyncBatchNorm(3, momentum=None), torch.nn.SyncBatchNorm(3, momentum=None)
    assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())
    _randomize(theirs)
    check_module_parity(ours, theirs, lambda m, x: m(x), [RNG.standard_normal((4, 3, 2, 2))])
    assert_same_error(lambda: nn.SyncBatchNorm(3)(cr.zeros(3)), lambda: torch.nn.SyncBatchNorm(3)(torch.zeros(3)))


@requires_torch
def test_convert_sync_batchnorm_shares_parameters_and_statistics():
    def net(n):
        return n.Sequential(n.Conv2d(3, 4, 1), n.BatchNorm2d(4), n.Sequential(n.BatchNorm1d(2, affine=False)),
                            n.InstanceNorm2d(4))
    ours, theirs = net(nn), net(torch.nn)
    bn = ours[1]
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(ours)
    assert repr(converted) == repr(torch.nn.SyncBatchNorm.convert_sync_batchnorm(theirs))
    assert type(converted[3]) is nn.InstanceNorm2d  # instance norms are not batch norms
    assert converted[1].weight is bn.weight and converted[1].running_mean is bn.running_mean
    assert list(converted.state_dict()) == list(theirs.state_dict())


def test_nll_loss2d_is_deprecated_nll_loss():
    with pytest.warns(UserWarning, match="`NLLLoss2d` has been deprecated"):
        loss = nn.NLLLoss2d(ignore_index=1)
    assert isinstance(loss, nn.NLLLoss) and loss.ignore_index == 1


@requires_torch
def test_buffer_assignment_registers_a_buffer():
    for lib in (nn, torch.nn):
        make = cr if lib is nn else torch
        m = lib.Module()
        m.kept = lib.Buffer(make.ones(2))
        m.scratch = lib.Buffer(make.zeros(3), persistent=False)
        assert list(m.state_dict()) == ["kept"]
        assert [name for name, _ in m.named_buffers()] == ["kept", "scratch"]
        assert not list(m.parameters())
        m.kept = make.full((2,), 5.0)  # a plain tensor assigned to a buffer name stays a buffer
        assert m.state_dict()["kept"].tolist() == [5.0, 5.0]
    shared = cr.zeros(2)
    assert nn.Buffer(shared).data_ptr() == shared.data_ptr() and nn.Buffer().numel() == 0
