"""chainrule.nn layers: constructor arguments, parameters/buffers, state_dict keys, repr and default
initialization against PyTorch, plus the forwards that need no chainrule.nn.functional op
(Linear, Bilinear, Embedding, Flatten, Sigmoid, Tanh, containers). Forwards through F are in
test_nn_layers_forward.py.
"""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from conftest import requires_torch, torch

# Each entry builds the same layer from either package (ours or torch.nn).
LAYERS = {
    "linear": lambda n: n.Linear(5, 3),
    "linear_nobias": lambda n: n.Linear(5, 3, bias=False),
    "bilinear": lambda n: n.Bilinear(2, 3, 4),
    "conv1d": lambda n: n.Conv1d(2, 4, 3, stride=2, padding=1, dilation=2, groups=2, bias=False,
                                 padding_mode="reflect"),
    "conv2d": lambda n: n.Conv2d(3, 6, (3, 5), stride=(2, 1), padding=(1, 2)),
    "conv2d_same": lambda n: n.Conv2d(3, 4, 3, padding="same", dilation=2, padding_mode="circular"),
    "conv2d_valid": lambda n: n.Conv2d(2, 2, 1, padding="valid"),
    "conv_transpose2d": lambda n: n.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
    "maxpool1d": lambda n: n.MaxPool1d(3, 1, 1),
    "maxpool2d": lambda n: n.MaxPool2d(2),
    "maxpool2d_full": lambda n: n.MaxPool2d((3, 2), stride=(2, 1), padding=1, dilation=2, return_indices=True,
                                            ceil_mode=True),
    "avgpool1d": lambda n: n.AvgPool1d(2),
    "avgpool2d": lambda n: n.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=2),
    "adaptive_avg2d": lambda n: n.AdaptiveAvgPool2d((2, None)),
    "adaptive_avg1d": lambda n: n.AdaptiveAvgPool1d(4),
    "adaptive_max2d": lambda n: n.AdaptiveMaxPool2d(1, return_indices=True),
    "batchnorm1d": lambda n: n.BatchNorm1d(4),
    "batchnorm2d": lambda n: n.BatchNorm2d(3, eps=1e-3, momentum=None),
    "batchnorm_noaffine": lambda n: n.BatchNorm1d(4, affine=False, track_running_stats=False),
    "batchnorm_nobias": lambda n: n.BatchNorm2d(4, bias=False),
    "layernorm": lambda n: n.LayerNorm(5),
    "layernorm_shape": lambda n: n.LayerNorm([2, 3], eps=1e-6, bias=False),
    "layernorm_noaffine": lambda n: n.LayerNorm(4, elementwise_affine=False),
    "groupnorm": lambda n: n.GroupNorm(2, 4),
    "groupnorm_noaffine": lambda n: n.GroupNorm(1, 3, affine=False),
    "dropout": lambda n: n.Dropout(),
    "dropout2d": lambda n: n.Dropout2d(0.2, True),
    "embedding": lambda n: n.Embedding(10, 3),
    "embedding_pad": lambda n: n.Embedding(10, 3, padding_idx=-2, max_norm=1.0, norm_type=1.0),
    "upsample": lambda n: n.Upsample(scale_factor=2),
    "upsample_size": lambda n: n.Upsample(size=(3, 4), mode="bilinear", align_corners=True),
    "upsample_tuple": lambda n: n.Upsample(scale_factor=(2, 3), mode="nearest"),
    "upsampling_nearest": lambda n: n.UpsamplingNearest2d(scale_factor=2),
    "upsampling_bilinear": lambda n: n.UpsamplingBilinear2d(size=4),
    "flatten": lambda n: n.Flatten(),
    "unflatten": lambda n: n.Unflatten(1, (2, 3)),
    "identity": lambda n: n.Identity(3, foo=4),
    "relu": lambda n: n.ReLU(True),
    "relu6": lambda n: n.ReLU6(),
    "leaky_relu": lambda n: n.LeakyReLU(0.2, True),
    "elu": lambda n: n.ELU(0.5),
    "celu": lambda n: n.CELU(),
    "selu": lambda n: n.SELU(True),
    "gelu": lambda n: n.GELU("tanh"),
    "silu": lambda n: n.SiLU(),
    "mish": lambda n: n.Mish(True),
    "sigmoid": lambda n: n.Sigmoid(),
    "tanh": lambda n: n.Tanh(),
    "softplus": lambda n: n.Softplus(2.0, 10.0),
    "softmax": lambda n: n.Softmax(dim=1),
    "log_softmax": lambda n: n.LogSoftmax(),
    "softmin": lambda n: n.Softmin(0),
    "hardtanh": lambda n: n.Hardtanh(-2, 3, True),
    "hardswish": lambda n: n.Hardswish(True),
    "hardsigmoid": lambda n: n.Hardsigmoid(),
    "logsigmoid": lambda n: n.LogSigmoid(),
    "softsign": lambda n: n.Softsign(),
    "threshold": lambda n: n.Threshold(0.1, 20),
    "prelu": lambda n: n.PReLU(3, 0.1),
    "tanhshrink": lambda n: n.Tanhshrink(),
    "softshrink": lambda n: n.Softshrink(0.3),
    "hardshrink": lambda n: n.Hardshrink(),
    "mse": lambda n: n.MSELoss(),
    "l1": lambda n: n.L1Loss(reduction="sum"),
    "smooth_l1": lambda n: n.SmoothL1Loss(beta=0.5),
    "huber": lambda n: n.HuberLoss(delta=2.0),
    "cross_entropy": lambda n: n.CrossEntropyLoss(label_smoothing=0.1),
    "nll": lambda n: n.NLLLoss(ignore_index=1),
    "bce": lambda n: n.BCELoss(),
    "bce_logits": lambda n: n.BCEWithLogitsLoss(),
    "kl_div": lambda n: n.KLDivLoss(reduction="batchmean", log_target=True),
    "sequential": lambda n: n.Sequential(n.Conv2d(1, 2, 3), n.BatchNorm2d(2), n.ReLU(), n.MaxPool2d(2), n.Flatten(),
                                         n.Linear(8, 4)),
    "module_list": lambda n: n.ModuleList([n.Linear(2, 2), n.Linear(2, 2), n.Linear(2, 2), n.ReLU()]),
    "module_dict": lambda n: n.ModuleDict({"conv": n.Conv2d(1, 1, 1), "act": n.ReLU()}),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_layer_matches_torch_structure(name):
    ours, theirs = LAYERS[name](nn), LAYERS[name](torch.nn)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(p.shape)) for k, p in ours.named_parameters()] == \
        [(k, tuple(p.shape)) for k, p in theirs.named_parameters()]
    assert [(k, tuple(b.shape)) for k, b in ours.named_buffers()] == \
        [(k, tuple(b.shape)) for k, b in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (_, p), (_, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert isinstance(p, nn.Parameter) and p.requires_grad == tp.requires_grad
        assert str(p.dtype).split(".")[-1] == str(tp.dtype).split(".")[-1]


@requires_torch
def test_weighted_losses_hold_weights_as_buffers():
    w = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    for make in (lambda n, t: n.CrossEntropyLoss(weight=t), lambda n, t: n.NLLLoss(t), lambda n, t: n.BCELoss(t),
                 lambda n, t: n.BCEWithLogitsLoss(pos_weight=t), lambda n, t: n.BCEWithLogitsLoss(t, pos_weight=t)):
        ours, theirs = make(nn, cr.tensor(w)), make(torch.nn, torch.tensor(w))
        assert list(ours.state_dict()) == list(theirs.state_dict())
        assert repr(ours) == repr(theirs)


def test_legacy_reduction_arguments():
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.L1Loss(reduce=False).reduction == "none"


# ---- default initialization ------------------------------------------------------------------------

def stats(t):
    v = t.detach().numpy().astype(np.float64) if isinstance(t, cr.Tensor) else t.detach().double().numpy()
    return v.min(), v.max(), v.mean(), v.std()


@requires_torch
@pytest.mark.parametrize("make,bias_fan_in", [
    (lambda n: n.Linear(400, 300), 400), (lambda n: n.Conv2d(32, 64, 3), 32 * 9),
    (lambda n: n.Conv1d(16, 256, 5, groups=4), 4 * 5), (lambda n: n.ConvTranspose2d(64, 32, 3), 32 * 9),
    (lambda n: n.Bilinear(30, 20, 50), 30), (lambda n: n.Embedding(1000, 64), None)],
    ids=["linear", "conv2d", "conv1d", "conv_transpose2d", "bilinear", "embedding"])
def test_default_init_distribution_matches_torch(make, bias_fan_in):
    """Weights (large): same mean, std and range as PyTorch's; biases (small): U(+-1/sqrt(fan_in)) as PyTorch's."""
    torch.manual_seed(0)
    ours, theirs = make(nn), make(torch.nn)
    lo, hi, mean, std = stats(ours.weight)
    tlo, thi, tmean, tstd = stats(theirs.weight)
    spread = thi - tlo
    assert abs(std - tstd) < 0.03 * tstd and abs(mean - tmean) < 0.01 * spread
    if bias_fan_in is None:  # N(0, 1)
        assert abs(std - 1) < 0.02
        return
    assert tlo - 0.01 * spread <= lo and hi <= thi + 0.01 * spread
    assert lo < tlo + 0.02 * spread and hi > thi - 0.02 * spread
    bound = 1 / math.sqrt(bias_fan_in)
    blo, bhi, _, _ = stats(ours.bias)
    tblo, tbhi, _, _ = stats(theirs.bias)
    assert -bound <= blo and bhi <= bound and -bound <= tblo and tbhi <= bound
    assert bhi - blo > 1.5 * bound


def test_linear_bounds_are_one_over_sqrt_fan_in():
    layer = nn.Linear(100, 200)
    bound = 1 / math.sqrt(100)
    for p in (layer.weight, layer.bias):
        lo, hi, _, _ = stats(p)
        assert -bound <= lo and hi <= bound and hi - lo > 1.8 * bound


def test_norm_layers_start_at_identity():
    bn = nn.BatchNorm2d(3)
    np.testing.assert_array_equal(bn.weight.detach().numpy(), 1)
    np.testing.assert_array_equal(bn.bias.detach().numpy(), 0)
    np.testing.assert_array_equal(bn.running_mean.numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.numpy(), 1)
    assert bn.num_batches_tracked.dtype == cr.int64 and bn.num_batches_tracked.shape == ()
    ln = nn.LayerNorm((2, 3))
    np.testing.assert_array_equal(ln.weight.detach().numpy(), np.ones((2, 3)))
    assert nn.BatchNorm1d(3, affine=False).weight is None


def test_embedding_padding_row_starts_at_zero():
    emb = nn.Embedding(6, 4, padding_idx=2)
    np.testing.assert_array_equal(emb.weight.detach().numpy()[2], 0)
    assert nn.Embedding(6, 4, padding_idx=-1).padding_idx == 5


def test_reset_parameters_redraws():
    layer = nn.Linear(10, 10)
    before = layer.weight.detach().numpy().copy()
    layer.reset_parameters()
    assert not np.array_equal(before, layer.weight.detach().numpy())


def test_dtype_argument():
    assert nn.Linear(2, 2, dtype=cr.float64).weight.dtype == cr.float64
    assert nn.Conv2d(1, 1, 1, dtype=cr.float64).bias.dtype == cr.float64
    assert nn.BatchNorm1d(2, dtype=cr.float64).running_var.dtype == cr.float64


# ---- argument validation ---------------------------------------------------------------------------

@pytest.mark.parametrize("make,error,match", [
    (lambda: nn.Conv2d(3, 4, 3, groups=2), ValueError, "in_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 3, 3, groups=2), ValueError, "out_channels must be divisible by groups"),
    (lambda: nn.Conv2d(4, 4, 3, groups=0), ValueError, "groups must be a positive integer"),
    (lambda: nn.Conv2d(1, 1, 3, padding="full"), ValueError, "Invalid padding string"),
    (lambda: nn.Conv2d(1, 1, 3, stride=2, padding="same"), ValueError, "not supported for strided"),
    (lambda: nn.Conv2d(1, 1, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(1, 1, 3, padding_mode="reflect"), ValueError, 'Only "zeros" padding mode'),
    (lambda: nn.GroupNorm(3, 4), ValueError, "must be divisible by num_groups"),
    (lambda: nn.Dropout(1.5), ValueError, "between 0 and 1"),
    (lambda: nn.Dropout2d(-0.1), ValueError, "between 0 and 1"),
    (lambda: nn.Embedding(5, 2, padding_idx=5), ValueError, "Padding_idx must be within num_embeddings"),
    (lambda: nn.Embedding(5, 2, _weight=cr.zeros(4, 2)), ValueError, "Shape of weight"),
    (lambda: nn.Embedding.from_pretrained(cr.zeros(3)), ValueError, "2-dimensional"),
    (lambda: nn.Unflatten(1, 6), TypeError, "must be a tuple of ints"),
    (lambda: nn.Unflatten(1, (2, 3.0)), TypeError, "at pos 1"),
    (lambda: nn.Hardtanh(1, 0), ValueError, "max_val"),
])
def test_constructor_validation(make, error, match):
    with pytest.raises(error, match=match):
        make()


@requires_torch
def test_conv_transpose_output_size_errors_match_torch():
    x = np.zeros((1, 2, 5, 5), dtype=np.float32)
    ours, theirs = nn.ConvTranspose2d(2, 3, 3, stride=2), torch.nn.ConvTranspose2d(2, 3, 3, stride=2)
    assert ours._output_padding(cr.tensor(x), (12, 11)) == (1, 0)
    with pytest.raises(ValueError) as ours_err:
        ours._output_padding(cr.tensor(x), (20, 11))
    with pytest.raises(ValueError) as theirs_err:
        theirs(torch.tensor(x), output_size=(20, 11))
    assert str(ours_err.value).replace("chainrule.Size", "torch.Size") == str(theirs_err.value)
    with pytest.raises(ValueError, match="output_size must have 2 or 4 elements"):
        ours._output_padding(cr.tensor(x), (1, 2, 3))


# ---- forwards that need no F op -------------------------------------------------------------------

def load_from_torch(ours, theirs):
    ours.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


@requires_torch
@pytest.mark.parametrize("batch", [(6,), (2, 3), ()])
def test_linear_forward_and_backward_match_torch(batch):
    ours, theirs = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    load_from_torch(ours, theirs)
    x = rand(*batch, 5)
    xo, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    yo, yt = ours(xo), theirs(xt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-6)
    yo.sum().backward()
    yt.sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-6)


@requires_torch
@pytest.mark.parametrize("batch", [(4,), (2, 3)])
def test_bilinear_forward_and_backward_match_torch(batch):
    ours, theirs = nn.Bilinear(3, 4, 2), torch.nn.Bilinear(3, 4, 2)
    load_from_torch(ours, theirs)
    a, b = rand(*batch, 3, seed=1), rand(*batch, 4, seed=2)
    ao, bo = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    at, bt = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    yo, yt = ours(ao, bo), theirs(at, bt)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy(), rtol=1e-5, atol=1e-5)
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    for g, tg in [(ao.grad, at.grad), (bo.grad, bt.grad), (ours.weight.grad, theirs.weight.grad),
                  (ours.bias.grad, theirs.bias.grad)]:
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match="bilinear"):
        ours(cr.zeros(2, 3), cr.zeros(3, 4))


@requires_torch
@pytest.mark.parametrize("padding_idx", [None, 1])
def test_embedding_forward_and_backward_match_torch(padding_idx):
    ours, theirs = nn.Embedding(7, 3, padding_idx=padding_idx), torch.nn.Embedding(7, 3, padding_idx=padding_idx)
    load_from_torch(ours, theirs)
    idx = np.array([[0, 1, 6], [1, 1, 3]])
    yo, yt = ours(cr.tensor(idx)), theirs(torch.tensor(idx))
    assert tuple(yo.shape) == (2, 3, 3)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy())
    (yo * yo).sum().backward()
    (yt * yt).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-6)
    if padding_idx is not None:
        np.testing.assert_array_equal(ours.weight.grad.numpy()[padding_idx], 0)


@requires_torch
def test_embedding_max_norm_renormalizes_used_rows_like_torch():
    weights = rand(6, 4) * 3
    ours = nn.Embedding.from_pretrained(cr.tensor(weights), max_norm=1.5)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(weights), max_norm=1.5)
    idx = np.array([0, 2, 2, 5])
    np.testing.assert_allclose(ours(cr.tensor(idx)).numpy(), theirs(torch.tensor(idx)).numpy(), rtol=1e-5)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.numpy(), rtol=1e-5)


def test_embedding_rejects_float_and_out_of_range_indices():
    emb = nn.Embedding(4, 2)
    with pytest.raises(TypeError, match="int64"):
        emb(cr.zeros(3))
    with pytest.raises(IndexError):
        emb(cr.tensor([4]))


def test_embedding_from_pretrained_freezes():
    emb = nn.Embedding.from_pretrained(cr.ones(3, 2))
    assert not emb.weight.requires_grad
    assert nn.Embedding.from_pretrained(cr.ones(3, 2), freeze=False).weight.requires_grad


@requires_torch
def test_flatten_unflatten_sigmoid_tanh_identity_match_torch():
    x = rand(2, 6, 2)
    for name in ("flatten", "identity", "sigmoid", "tanh"):
        ours, theirs = LAYERS[name](nn)(cr.tensor(x)), LAYERS[name](torch.nn)(torch.tensor(x))
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert tuple(nn.Unflatten(1, (2, 3))(cr.tensor(x)).shape) == (2, 2, 3, 2)


# ---- containers ------------------------------------------------------------------------------------

def test_sequential_indexing_slicing_and_mutation():
    layers = [nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2), nn.Sigmoid()]
    seq = nn.Sequential(*layers)
    assert len(seq) == 4 and seq[0] is layers[0] and seq[-1] is layers[3]
    assert list(seq) == layers
    head = seq[1:3]
    assert isinstance(head, nn.Sequential) and list(head) == layers[1:3]
    assert list(head._modules) == ["1", "2"]
    seq.append(nn.Identity())
    assert len(seq) == 5
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2", "3"] and seq[0] is layers[1]
    seq[0] = nn.ReLU()
    assert isinstance(seq[0], nn.ReLU)
    seq.insert(1, nn.Identity())
    assert isinstance(seq[1], nn.Identity) and len(seq) == 5
    with pytest.raises(IndexError, match="out of range"):
        seq[7]
    named = nn.Sequential(__import__("collections").OrderedDict([("fc", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert named.fc is named[0] and list(named.state_dict()) == ["fc.weight", "fc.bias"]
    x = cr.randn(3, 2)
    np.testing.assert_allclose(named(x).detach().numpy(), cr.tanh(named.fc(x)).detach().numpy())
    assert len(named + nn.Sequential(nn.Tanh())) == 3


def test_module_list_and_dict():
    ml = nn.ModuleList([nn.Linear(1, 1)])
    ml.append(nn.Tanh())
    ml.extend([nn.Sigmoid()])
    ml += [nn.Identity()]
    assert len(ml) == 4 and isinstance(ml[-1], nn.Identity) and len(list(ml.parameters())) == 2
    ml.insert(0, nn.Identity())
    assert isinstance(ml[1], nn.Linear)
    del ml[0]
    assert isinstance(ml[0], nn.Linear) and list(ml._modules) == ["0", "1", "2", "3"]
    assert isinstance(ml[1:], nn.ModuleList)
    with pytest.raises(TypeError, match="iterable"):
        ml.extend(nn.Tanh())
    md = nn.ModuleDict([("a", nn.Linear(1, 1))])
    md["b"] = nn.Tanh()
    assert list(md.keys()) == ["a", "b"] and "a" in md and len(md) == 2
    assert md.pop("a") is not None and list(md) == ["b"]


@requires_torch
def test_parameter_list_and_dict_match_torch():
    ours = nn.ParameterList([cr.zeros(2, 3), nn.Parameter(cr.ones(4))])
    theirs = torch.nn.ParameterList([torch.zeros(2, 3), torch.nn.Parameter(torch.ones(4))])
    assert all(isinstance(p, nn.Parameter) for p in ours) and len(ours) == 2
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours).replace("chainrule.", "torch.") == repr(theirs)
    ours.append(cr.zeros(1))
    assert len(list(ours.parameters())) == 3
    pd = nn.ParameterDict({"a": cr.zeros(2)})
    tpd = torch.nn.ParameterDict({"a": torch.zeros(2)})
    pd["b"] = nn.Parameter(cr.ones(1))
    tpd["b"] = torch.nn.Parameter(torch.ones(1))
    assert list(pd.state_dict()) == list(tpd.state_dict()) == ["a", "b"]
    assert repr(pd).replace("chainrule.", "torch.") == repr(tpd)
    assert isinstance(pd["a"], nn.Parameter) and "a" in pd and list(pd.keys()) == ["a", "b"]
    with pytest.raises(RuntimeError, match="should not be called"):
        pd(1)


@requires_torch
def test_batch_norm_state_dict_round_trip_with_torch():
    theirs = torch.nn.BatchNorm1d(3)
    theirs.running_mean += 0.5
    theirs.num_batches_tracked += 4
    ours = nn.BatchNorm1d(3)
    load_from_torch(ours, theirs)
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy())
    assert int(ours.num_batches_tracked) == 4 and ours.num_batches_tracked.dtype == cr.int64
    back = torch.nn.BatchNorm1d(3)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    np.testing.assert_allclose(back.running_mean.numpy(), ours.running_mean.numpy())


def test_batch_norm_loads_old_state_dicts_without_num_batches_tracked():
    bn = nn.BatchNorm2d(2)
    old = {k: v for k, v in nn.BatchNorm2d(2).state_dict().items() if k != "num_batches_tracked"}
    assert bn.load_state_dict(old).missing_keys == []  # plain dict: no version, as PyTorch accepts
    state = nn.BatchNorm2d(2).state_dict()
    del state["num_batches_tracked"]  # an OrderedDict carrying version 2 metadata must have the key
    with pytest.raises(RuntimeError, match='Missing key.*"num_batches_tracked"'):
        bn.load_state_dict(state)


# ---- F.linear (one C++ op), F.bilinear, F.embedding (composed from existing ops) -----------------

F = nn.functional


@pytest.mark.parametrize("shapes", [[(4, 3), (2, 3), (2,)], [(2, 5, 3), (4, 3), (4,)], [(3,), (2, 3), (2,)]])
def test_f_linear_gradcheck_and_torch(shapes):
    from conftest import check_op
    tf = torch.nn.functional if torch is not None else None
    check_op(F.linear, shapes, torch_fn=tf.linear if tf else None)
    check_op(lambda x, w: F.linear(x, w), shapes[:2], torch_fn=(lambda x, w: tf.linear(x, w)) if tf else None)


def test_f_bilinear_gradcheck_and_torch():
    from conftest import check_op
    tf = torch.nn.functional if torch is not None else None
    check_op(F.bilinear, [(4, 2), (4, 3), (5, 2, 3), (5,)], torch_fn=tf.bilinear if tf else None)
    check_op(lambda a, b, w: F.bilinear(a, b, w), [(2, 2, 2), (2, 2, 3), (1, 2, 3)],
             torch_fn=(lambda a, b, w: tf.bilinear(a, b, w)) if tf else None)


def test_f_linear_and_bilinear_errors():
    with pytest.raises(ValueError, match="linear"):
        F.linear(cr.zeros(2, 3), cr.zeros(4, 5))
    with pytest.raises(ValueError, match="linear"):
        F.linear(cr.zeros(2, 3), cr.zeros(2, 2, 3))
    with pytest.raises(ValueError, match=r"linear: bias of shape \(3,\) must be \(out_features,\) = \(4,\)"):
        F.linear(cr.zeros(2, 5), cr.zeros(4, 5), cr.zeros(3))
    with pytest.raises(TypeError, match="linear: expected input, weight and bias of one floating dtype"):
        F.linear(cr.zeros(2, 5, dtype=cr.float64), cr.zeros(4, 5))
    with pytest.raises(IndexError, match="bilinear"):  # as PyTorch, which reads weight.size(2)
        F.bilinear(cr.zeros(2, 3), cr.zeros(2, 4), cr.zeros(5, 3))


@requires_torch
@pytest.mark.parametrize("x_shape,w_shape", [((0, 5), (3, 5)), ((4, 0), (3, 0)), ((2, 5), (0, 5))])
def test_linear_with_empty_dimensions_matches_torch(x_shape, w_shape):
    x, w, b = rand(*x_shape), rand(*w_shape), rand(w_shape[0])
    ours = [cr.tensor(v, requires_grad=True) for v in (x, w, b)]
    theirs = [torch.tensor(v, requires_grad=True) for v in (x, w, b)]
    yo, yt = F.linear(*ours), torch.nn.functional.linear(*theirs)
    np.testing.assert_allclose(yo.detach().numpy(), yt.detach().numpy())
    yo.sum().backward()
    yt.sum().backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy())


def test_linear_gradients_come_in_the_parameters_layout():
    # dW = dy^T x is formed as (out, in) directly: .grad is contiguous, no transposed view or copy
    layer = nn.Linear(5, 3)
    layer(cr.randn(4, 2, 5)).sum().backward()
    assert layer.weight.grad.is_contiguous() and tuple(layer.weight.grad.shape) == (3, 5)
    assert layer(cr.randn(4, 5)).grad_fn.name() == "LinearBackward0"


@requires_torch
def test_f_embedding_matches_torch():
    w = rand(6, 3)
    idx = np.array([[5, 0], [2, 5]])
    wo, wt = cr.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    out = F.embedding(cr.tensor(idx), wo, padding_idx=-1)
    tout = torch.nn.functional.embedding(torch.tensor(idx), wt, padding_idx=-1)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    (out * out).sum().backward()
    (tout * tout).sum().backward()
    np.testing.assert_allclose(wo.grad.numpy(), wt.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="padding_idx"):
        F.embedding(cr.tensor(idx), wo, padding_idx=6)
    np.testing.assert_allclose(F.embedding(cr.tensor(idx), wo, sparse=True).detach().numpy(), tout.detach().numpy())
    with pytest.raises(ValueError, match="2-D"):
        F.embedding(cr.tensor(idx), cr.zeros(3))
