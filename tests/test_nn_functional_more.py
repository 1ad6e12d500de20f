"""chainrule.nn.functional ops composed in Python (vision.py, distance.py, normalization.py's rms_norm and
local_response_norm, activation_composite.py's glu/rrelu/gumbel_softmax, lp_pool, 3-d pad modes and the
interpolate modes of resample.py): gradcheck in float64 and values/gradients against PyTorch (check_op),
plus PyTorch's error cases."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from conftest import assert_same_error, check_op, requires_torch, torch

TF = torch.nn.functional if torch is not None else None
RNG = np.random.default_rng(2)


@requires_torch
@pytest.mark.parametrize("shape, r", [((2, 8, 3, 5), 2), ((3, 9, 2, 2), 3), ((2, 2, 4, 2, 1), 1)])
def test_pixel_shuffle(shape, r):
    check_op(lambda x: F.pixel_shuffle(x, r), [shape], lambda x: TF.pixel_shuffle(x, r))


@requires_torch
@pytest.mark.parametrize("shape, r", [((2, 2, 4, 6), 2), ((3, 6, 3), 3)])
def test_pixel_unshuffle(shape, r):
    check_op(lambda x: F.pixel_unshuffle(x, r), [shape], lambda x: TF.pixel_unshuffle(x, r))


@requires_torch
def test_pixel_shuffle_errors():
    for fn, shape, r in [("pixel_shuffle", (2, 3), 2), ("pixel_shuffle", (5, 2, 3), 2), ("pixel_shuffle", (4, 2, 3), 0),
                         ("pixel_unshuffle", (4, 3, 3), 2), ("pixel_unshuffle", (4, 4, 3), 2)]:
        assert_same_error(lambda: getattr(F, fn)(cr.zeros(*shape), r), lambda: getattr(TF, fn)(torch.zeros(*shape), r))


UNFOLD_ARGS = [dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 2), stride=(2, 3)),
               dict(kernel_size=3, stride=2, padding=1)]


@requires_torch
@pytest.mark.parametrize("kwargs", UNFOLD_ARGS)
def test_unfold(kwargs):
    check_op(lambda x: F.unfold(x, **kwargs), [(2, 3, 7, 6)], lambda x: TF.unfold(x, **kwargs), gradgrad=False)
    check_op(lambda x: F.unfold(x, **kwargs), [(2, 5, 6)], lambda x: TF.unfold(x, **kwargs), gradgrad=False)


@requires_torch
@pytest.mark.parametrize("kwargs", UNFOLD_ARGS)
def test_fold(kwargs):
    blocks = TF.unfold(torch.zeros(1, 2, 7, 6), **kwargs).shape
    check_op(lambda x: F.fold(x, (7, 6), **kwargs), [tuple(blocks)], lambda x: TF.fold(x, (7, 6), **kwargs),
             gradgrad=False)
    check_op(lambda x: F.fold(x, (7, 6), **kwargs), [tuple(blocks[1:])], lambda x: TF.fold(x, (7, 6), **kwargs),
             gradgrad=False)


@requires_torch
def test_fold_unfold_errors():
    assert_same_error(lambda: F.unfold(cr.zeros(1, 3, 4, 4), 5), lambda: TF.unfold(torch.zeros(1, 3, 4, 4), 5))
    assert_same_error(lambda: F.unfold(cr.zeros(1, 3, 4, 4), 0), lambda: TF.unfold(torch.zeros(1, 3, 4, 4), 0))
    for shape in [(1, 13, 9), (1, 12, 8), (2, 2, 12, 9)]:
        assert_same_error(lambda: F.fold(cr.zeros(*shape), (4, 4), 2), lambda: TF.fold(torch.zeros(*shape), (4, 4), 2))
    with pytest.raises(RuntimeError, match="3D or 4D"):
        F.unfold(cr.zeros(2, 3), 2)


@requires_torch
@pytest.mark.parametrize("p, dim", [(2.0, 1), (1.0, -1), (3.0, 0), (float("inf"), 1)])
def test_normalize(p, dim):
    check_op(lambda x: F.normalize(x, p, dim), [(3, 4)], lambda x: TF.normalize(x, p, dim))


@requires_torch
def test_normalize_clamps_at_eps():
    x = cr.zeros(2, 3, dtype=cr.float64, requires_grad=True)
    F.normalize(x).sum().backward()
    tx = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    TF.normalize(tx).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


@requires_torch
@pytest.mark.parametrize("p, keepdim", [(2.0, False), (1.0, True), (3.0, False)])
def test_pairwise_distance(p, keepdim):
    check_op(lambda a, b: F.pairwise_distance(a, b, p, keepdim=keepdim), [(3, 4), (3, 4)],
             lambda a, b: TF.pairwise_distance(a, b, p, keepdim=keepdim))
    check_op(lambda a, b: F.pairwise_distance(a, b, p), [(3, 4), (4,)], lambda a, b: TF.pairwise_distance(a, b, p))


@requires_torch
@pytest.mark.parametrize("shape, normalized, with_weight, eps", [
    ((3, 4), (4,), True, None), ((2, 3, 4), (3, 4), False, 1e-3), ((2, 5), 5, True, 0.1)])
def test_rms_norm(shape, normalized, with_weight, eps):
    wshape = (normalized,) if isinstance(normalized, int) else normalized  # torch wants a tuple, chainrule takes both
    if with_weight:
        check_op(lambda x, w: F.rms_norm(x, normalized, w, eps), [shape, wshape],
                 lambda x, w: TF.rms_norm(x, wshape, w, eps))
    else:
        check_op(lambda x: F.rms_norm(x, normalized, None, eps), [shape], lambda x: TF.rms_norm(x, wshape, None, eps))


@requires_torch
def test_rms_norm_errors():
    assert_same_error(lambda: F.rms_norm(cr.zeros(3, 4), (3,)), lambda: TF.rms_norm(torch.zeros(3, 4), (3,)))
    assert_same_error(lambda: F.rms_norm(cr.zeros(3, 4), (4,), cr.ones(3)),
                      lambda: TF.rms_norm(torch.zeros(3, 4), (4,), torch.ones(3)))


@requires_torch
@pytest.mark.parametrize("shape, size", [((2, 5, 3), 3), ((2, 6, 3, 2), 2), ((1, 4, 3, 2), 5)])
def test_local_response_norm(shape, size):
    check_op(lambda x: F.local_response_norm(x, size, alpha=0.1, beta=0.6, k=2.0), [shape],
             lambda x: TF.local_response_norm(x, size, alpha=0.1, beta=0.6, k=2.0))


@requires_torch
def test_local_response_norm_errors():
    # PyTorch's message, less its stray spaces
    with pytest.raises(ValueError, match="Expected 3D or higher dimensionality input"):
        F.local_response_norm(cr.zeros(3, 4), 2)


@requires_torch
@pytest.mark.parametrize("shape, dim", [((4, 3), 0), ((2, 6), -1), ((2, 2, 4), 1)])
def test_glu(shape, dim):
    check_op(lambda x: F.glu(x, dim), [shape], lambda x: TF.glu(x, dim))


@requires_torch
def test_glu_errors():
    for shape, dim in [((3, 3), -1), ((3, 4), 5), ((), -1)]:
        assert_same_error(lambda: F.glu(cr.zeros(shape), dim), lambda: TF.glu(torch.zeros(shape), dim))


@requires_torch
def test_rrelu_eval_is_leaky_relu():
    check_op(lambda x: F.rrelu(x, 0.1, 0.3), [(3, 4)], lambda x: TF.rrelu(x, 0.1, 0.3))


def test_rrelu_training_draws_slopes_in_range():
    x = cr.tensor(np.linspace(-3, 3, 400), requires_grad=True)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    out.sum().backward()
    slopes = x.grad.numpy()
    negative = x.detach().numpy() <= 0
    assert np.all(slopes[~negative] == 1)
    assert np.all((slopes[negative] >= 0.1) & (slopes[negative] <= 0.3)) and slopes[negative].std() > 0.03
    np.testing.assert_allclose(out.detach().numpy(), x.detach().numpy() * slopes)
    y = cr.tensor([-1.0, 2.0])
    assert F.rrelu_(y, training=True) is y and y[1].item() == 2.0 and -1 / 3 <= y[0].item() <= -1 / 8


def test_gumbel_softmax_soft_and_hard():
    logits = cr.tensor(np.log([[0.7, 0.2, 0.1]] * 2000), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.sum(-1).detach().numpy(), 1.0, rtol=1e-6)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) == {0.0, 1.0} and np.all(values.sum(-1) == 1)
    np.testing.assert_allclose(values.mean(0), [0.7, 0.2, 0.1], atol=0.04)  # the Gumbel-max trick samples the softmax
    (hard * cr.tensor([1.0, 2.0, 3.0])).sum().backward()  # straight-through: the soft sample's gradient
    assert np.abs(logits.grad.numpy()).sum() > 0


@requires_torch
def test_gumbel_softmax_gradient_is_the_soft_samples():
    cr.manual_seed(0)
    logits = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    cr.manual_seed(5)
    hard = F.gumbel_softmax(logits, tau=2.0, hard=True)
    cr.manual_seed(5)
    soft = F.gumbel_softmax(logits, tau=2.0)
    np.testing.assert_array_equal(hard.detach().numpy().argmax(-1), soft.detach().numpy().argmax(-1))
    seed = cr.randn(3, 4, dtype=cr.float64)
    g_hard, = cr.autograd.grad([(hard * seed).sum()], [logits])
    g_soft, = cr.autograd.grad([(soft * seed).sum()], [logits])
    np.testing.assert_allclose(g_hard.numpy(), g_soft.numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("shape, groups", [((2, 6, 3), 3), ((1, 4, 2, 3), 2), ((2, 6, 1, 2, 2), 6)])
def test_channel_shuffle(shape, groups):
    check_op(lambda x: F.channel_shuffle(x, groups), [shape], lambda x: TF.channel_shuffle(x, groups))


@requires_torch
def test_channel_shuffle_errors():
    for shape, groups in [((2, 6, 3), 4), ((2, 6, 3), 0), ((6,), 2), ((2, 6), 2)]:
        assert_same_error(lambda: F.channel_shuffle(cr.zeros(shape), groups),
                          lambda: TF.channel_shuffle(torch.zeros(shape), groups))


@requires_torch
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0])
def test_pdist(p):
    check_op(lambda x: F.pdist(x, p), [(5, 3)], lambda x: TF.pdist(x, p), gradgrad=False)


@requires_torch
def test_pdist_errors():
    assert_same_error(lambda: F.pdist(cr.zeros(2, 3, 4)), lambda: TF.pdist(torch.zeros(2, 3, 4)))
    assert_same_error(lambda: F.pdist(cr.zeros(3, 4), -1), lambda: TF.pdist(torch.zeros(3, 4), -1))


@requires_torch
@pytest.mark.parametrize("norm_type, kernel, stride, ceil_mode", [
    (2.0, 2, None, False), (3.0, 3, 2, True), (1.5, (2, 3), 1, False), (float("inf"), 2, 1, False)])
def test_lp_pool2d(norm_type, kernel, stride, ceil_mode):
    check_op(lambda x: F.lp_pool2d(x, norm_type, kernel, stride, ceil_mode), [(2, 2, 5, 6)],
             lambda x: TF.lp_pool2d(x, norm_type, kernel, stride, ceil_mode), positive=norm_type == 1.5)


@requires_torch
@pytest.mark.parametrize("norm_type, kernel, stride, ceil_mode", [(2.0, 2, None, False), (1.0, 3, 2, True)])
def test_lp_pool1d(norm_type, kernel, stride, ceil_mode):
    check_op(lambda x: F.lp_pool1d(x, norm_type, kernel, stride, ceil_mode), [(2, 3, 7)],
             lambda x: TF.lp_pool1d(x, norm_type, kernel, stride, ceil_mode), positive=True)


@requires_torch
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads", [(1, 2, 0, 3, 2, 1), (-1, 1, 1, 0, 2, 2), (1, -2, -1, -1, 0, 1)])
def test_pad_3d_modes(mode, pads):
    check_op(lambda x: F.pad(x, pads, mode), [(2, 2, 3, 4, 5)], lambda x: TF.pad(x, pads, mode))
    check_op(lambda x: F.pad(x, pads, mode), [(2, 3, 4, 5)], lambda x: TF.pad(x, pads, mode))


@requires_torch
def test_pad_3d_mode_errors():
    x, tx = cr.zeros(1, 2, 3, 3, 3), torch.zeros(1, 2, 3, 3, 3)
    assert_same_error(lambda: F.pad(x, (3, 3, 1, 1, 1, 1), "reflect"),
                      lambda: TF.pad(tx, (3, 3, 1, 1, 1, 1), "reflect"))
    assert_same_error(lambda: F.pad(x, (4, 0, 1, 1, 1, 1), "circular"),
                      lambda: TF.pad(tx, (4, 0, 1, 1, 1, 1), "circular"))
    with pytest.raises(NotImplementedError, match="6 entries is not supported for a 3-d input"):
        F.pad(x[0, 0], (1, 1, 1, 1, 1, 1), "reflect")


@requires_torch
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("shape, mode, kwargs", [
    ((2, 3, 5, 6), "bicubic", dict(size=(9, 4))), ((2, 3, 5, 6), "bicubic", dict(scale_factor=(1.7, 2.5))),
    ((1, 2, 6, 5), "bicubic", dict(scale_factor=0.5)), ((2, 2, 3, 4, 5), "trilinear", dict(size=(5, 3, 7))),
    ((2, 2, 3, 4, 5), "trilinear", dict(scale_factor=1.5))])
def test_interpolate_bicubic_trilinear(shape, mode, kwargs, align_corners):
    check_op(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, **kwargs), [shape],
             lambda x: TF.interpolate(x, mode=mode, align_corners=align_corners, **kwargs))


@requires_torch
@pytest.mark.parametrize("mode", ["area", "nearest-exact", "nearest"])
@pytest.mark.parametrize("shape, kwargs", [((2, 3, 7), dict(size=4)), ((2, 3, 5, 7), dict(size=(8, 3))),
                                           ((2, 2, 3, 4, 5), dict(scale_factor=(1.5, 0.5, 2.2))),
                                           ((2, 3, 5, 7), dict(scale_factor=1.7))])
def test_interpolate_area_and_nearest_modes(mode, shape, kwargs):
    check_op(lambda x: F.interpolate(x, mode=mode, **kwargs), [shape], lambda x: TF.interpolate(x, mode=mode, **kwargs))


@requires_torch
@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("kwargs", [dict(size=(5, 4)), dict(size=(20, 7)), dict(scale_factor=(0.5, 1.7))])
def test_interpolate_antialias(mode, align_corners, kwargs):
    check_op(lambda x: F.interpolate(x, mode=mode, align_corners=align_corners, antialias=True, **kwargs),
             [(2, 2, 13, 11)],
             lambda x: TF.interpolate(x, mode=mode, align_corners=align_corners, antialias=True, **kwargs))


@requires_torch
@pytest.mark.parametrize("kwargs", [dict(size=(5, 4)), dict(size=(20, 7)), dict(scale_factor=(0.5, 1.7))])
def test_interpolate_lanczos(kwargs):
    check_op(lambda x: F.interpolate(x, mode="lanczos", antialias=True, **kwargs), [(2, 2, 13, 11)],
             lambda x: TF.interpolate(x, mode="lanczos", antialias=True, **kwargs))


@requires_torch
def test_upsample_layer_with_the_new_modes():
    x = RNG.standard_normal((1, 2, 3, 4, 4)).astype(np.float32)
    for build in [lambda n: n.Upsample(scale_factor=2, mode="trilinear", align_corners=True),
                  lambda n: n.Upsample(size=(2, 3, 3), mode="area")]:
        ours, theirs = build(nn), build(torch.nn)
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(cr.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
