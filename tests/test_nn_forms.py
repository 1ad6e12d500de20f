"""torch-level forms of nn.functional ops (chainrule/_functions/nn_forms.py) called with torch's own
signatures (positional dropout arguments, batch_norm's weight-first order, embedding's weight-first
order and padding_idx=-1, int reductions) against the same torch.* calls: values, gradients and
errors."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)


def _random(*shape):
    return both(rng.standard_normal(shape))


def _same(call, *arrays, rtol=1e-6):
    """call(module, *tensors) through chainrule and torch, on the same values."""
    pairs = [both(a) for a in arrays]
    assert_matches(call(cr, *[p[0] for p in pairs]), call(torch, *[p[1] for p in pairs]), rtol=rtol)


R = rng.standard_normal


@pytest.mark.parametrize("call, shapes", [
    (lambda m, x, w: m.conv1d(x, w, None, 2, 1), [(2, 3, 9), (4, 3, 3)]),
    (lambda m, x, w: m.conv2d(x, w, padding=1, groups=3), [(1, 3, 5, 5), (6, 1, 3, 3)]),
    (lambda m, x, w: m.conv3d(x, w, stride=(1, 2, 1)), [(1, 2, 4, 5, 4), (3, 2, 2, 2, 2)]),
    (lambda m, x, w: m.conv_transpose1d(x, w, None, 2, 1, 1), [(2, 3, 5), (3, 2, 3)]),
    (lambda m, x, w: m.conv_transpose2d(x, w, stride=2), [(1, 2, 3, 3), (2, 3, 2, 2)]),
    (lambda m, x, w: m.conv_transpose3d(x, w), [(1, 2, 2, 3, 2), (2, 1, 2, 2, 2)]),
])
def test_convolutions(call, shapes):
    _same(call, *[R(s) for s in shapes])


@pytest.mark.parametrize("call", [
    lambda m, x: m.max_pool1d(x.flatten(2), 3),
    lambda m, x: m.max_pool1d(x.flatten(2), 2, 1, 1, 2, True),
    lambda m, x: m.max_pool1d_with_indices(x.flatten(2), 3, (), 1),
    lambda m, x: m.max_pool2d(x, 2),
    lambda m, x: m.max_pool2d(x, (3, 2), (), 1, 1, True),
    lambda m, x: m.max_pool3d(x.unsqueeze(0), 2, stride=1),
    lambda m, x: m.avg_pool1d(x.flatten(2), 3, (), 1, False, False),
    lambda m, x: m.avg_pool1d(x.flatten(2), 4, 2),
    lambda m, x: m.adaptive_avg_pool1d(x.flatten(2), 5),
    lambda m, x: m.adaptive_max_pool1d(x.flatten(2), 4),
])
def test_pools_with_torchs_defaults(call):
    _same(call, R((2, 3, 6, 5)))


@pytest.mark.parametrize("call, shapes", [
    (lambda m, x: m.pixel_shuffle(x, 2), [(1, 8, 3, 3)]),
    (lambda m, x: m.pixel_unshuffle(x, 2), [(1, 2, 4, 6)]),
    (lambda m, x: m.channel_shuffle(x, 2), [(2, 4, 3)]),
    (lambda m, a, b: m.cosine_similarity(a, b), [(3, 4), (1, 4)]),
    (lambda m, a, b: m.cosine_similarity(a, b, 0, 1e-3), [(3, 4), (3, 4)]),
    (lambda m, a, b: m.pairwise_distance(a, b), [(3, 4), (3, 4)]),
    (lambda m, a, b: m.pairwise_distance(a, b, 1.0, 1e-6, True), [(3, 4), (1, 4)]),
    (lambda m, x: m.pdist(x), [(4, 3)]),
    (lambda m, x: m.pdist(x, 1), [(4, 3)]),
    (lambda m, a, b, w, bias: m.bilinear(a, b, w, bias), [(3, 2), (3, 4), (5, 2, 4), (5,)]),
    (lambda m, x, w: m.prelu(x, w), [(2, 3, 4), (3,)]),
    (lambda m, x, w: x.prelu(w), [(2, 3), (1,)]),
    (lambda m, x: m.hardshrink(x), [(3, 4)]),
    (lambda m, x: x.hardshrink(0.8), [(3, 4)]),
    (lambda m, x, w: m.rms_norm(x, [4], w), [(2, 3, 4), (4,)]),
    (lambda m, x: m.rms_norm(x, (3, 4), eps=1e-3), [(2, 3, 4)]),
    (lambda m, x: m.celu(x), [(3, 4)]),
    (lambda m, x: m.celu(x, 0.5), [(3, 4)]),
    (lambda m, x: m.selu(x), [(3, 4)]),
    (lambda m, x: m.threshold(x, 0.1, -2.0), [(3, 4)]),
    (lambda m, x: m.rrelu(x), [(3, 4)]),
    (lambda m, x: m.rrelu(x, 0.2, 0.4, False), [(3, 4)]),
])
def test_functions_with_the_same_signature(call, shapes):
    _same(call, *[R(s) for s in shapes])


@pytest.mark.parametrize("name, args", [("celu_", (0.7,)), ("selu_", ()), ("threshold_", (0.0, 5.0)),
                                        ("rrelu_", (0.1, 0.3))])
def test_in_place_activations(name, args):
    x, tx = _random(3, 4)
    assert getattr(cr, name)(x, *args) is x
    getattr(torch, name)(tx, *args)
    assert_matches(x, tx)


def test_rrelu_refuses_a_generator():
    with pytest.raises(NotImplementedError, match="generator"):
        cr.rrelu(cr.ones(2), generator=cr.Generator())


@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"])
def test_dropouts_take_input_p_train(name):
    x, tx = _random(2, 3, 4)
    assert_matches(getattr(cr, name)(x, 0.5, False), getattr(torch, name)(tx, 0.5, False))
    assert_matches(getattr(cr, name)(x, 0.0, True), getattr(torch, name)(tx, 0.0, True))
    assert_same_error(lambda: getattr(cr, name)(x, 1.5, True), lambda: getattr(torch, name)(tx, 1.5, True),
                      prefix=0)
    with pytest.raises(TypeError):
        getattr(cr, name)(x)
    y = cr.ones(2, 3, 4)
    assert getattr(cr, name + "_")(y, 0.3, True) is y


def test_dropout_in_training_zeroes_and_scales():
    out = cr.dropout(cr.ones(10000), 0.25, True)
    kept = out[out != 0]
    assert abs(kept.numel() / 10000 - 0.75) < 0.03
    assert_matches(kept, torch.full((kept.numel(),), 1 / 0.75))
    channels = cr.feature_dropout(cr.ones(4, 50, 6), 0.5, True)
    assert bool(((channels == 0).all(-1) | (channels != 0).all(-1)).all())


def test_norms_with_torchs_argument_orders():
    x, w, b = R((4, 3, 5)), R(3), R(3)
    for training in (True, False):
        (mean, tmean), (var, tvar) = both(R(3)), both(np.abs(R(3)) + 0.5)
        pairs = [both(a) for a in (x, w, b)]
        ours = cr.batch_norm(pairs[0][0], pairs[1][0], pairs[2][0], mean, var, training, 0.2, 1e-3, True)
        theirs = torch.batch_norm(pairs[0][1], pairs[1][1], pairs[2][1], tmean, tvar, training, 0.2, 1e-3, True)
        assert_matches(ours, theirs)
        assert_matches(mean, tmean)
        assert_matches(var, tvar)
    _same(lambda m, x, w, b: m.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False), x, w, b)
    _same(lambda m, x, w, b: m.layer_norm(x, [5], w, b), x, R(5), R(5))
    _same(lambda m, x: m.layer_norm(x, (3, 5), None, None, 1e-3, False), x)
    _same(lambda m, x, w, b: m.group_norm(x, 3, w, b), x, w, b)
    _same(lambda m, x: m.group_norm(x, 1, eps=1e-2), x)


@pytest.mark.parametrize("padding_idx", [-1, 2, 0])
def test_embedding_takes_the_weight_first(padding_idx):
    (w, tw), (i, ti) = both(R((5, 3)), requires_grad=True), both([[0, 2, 4], [2, 2, 1]])
    out, tout = cr.embedding(w, i, padding_idx), torch.embedding(tw, ti, padding_idx)
    assert_matches(out, tout)
    seed = R(tuple(tout.shape))
    out.backward(cr.tensor(seed))
    tout.backward(torch.tensor(seed))
    assert_matches(w.grad, tw.grad)


def test_embedding_scale_grad_by_freq_in_the_positional_form():
    w = np.random.default_rng(0).normal(size=(5, 3))
    ours, theirs = cr.tensor(w, requires_grad=True), torch.tensor(w, requires_grad=True)
    cr.embedding(ours, cr.tensor([0, 2, 2, 2]), -1, True).sum().backward()
    torch.embedding(theirs, torch.tensor([0, 2, 2, 2]), -1, True).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


LOSSES = [
    (lambda m, r, x, y: m.binary_cross_entropy_with_logits(x, y.sigmoid(), None, None, r), [(3, 4), (3, 4)]),
    (lambda m, r, x, y, w, pw: m.binary_cross_entropy_with_logits(x, y.sigmoid(), w, pw.abs(), r),
     [(3, 4), (3, 4), (4,), (4,)]),
    (lambda m, r, x, y: m.kl_div(x.log_softmax(-1), y.softmax(-1), r), [(3, 4), (3, 4)]),
    (lambda m, r, x, y: m.kl_div(x, y, r, log_target=True), [(3, 4), (3, 4)]),
    (lambda m, r, a, b, t: m.margin_ranking_loss(a, b, t.sign(), 0.1, r), [(5,), (5,), (5,)]),
    (lambda m, r, a, b, t: m.cosine_embedding_loss(a, b, t[:, 0].sign(), 0.2, r), [(3, 4), (3, 4), (3, 2)]),
    (lambda m, r, x, t: m.hinge_embedding_loss(x, t.sign(), 0.5, r), [(3, 4), (3, 4)]),
    (lambda m, r, a, p, n: m.triplet_margin_loss(a, p, n, 1.0, 2.0, 1e-6, True, r), [(3, 4), (3, 4), (3, 4)]),
    (lambda m, r, x, y: m.poisson_nll_loss(x, y.abs(), True, True, 1e-8, r), [(3, 4), (3, 4)]),
    (lambda m, r, x, y: m.poisson_nll_loss(x.abs(), y.abs(), False, False, 1e-6, r), [(3, 4), (3, 4)]),
]


@pytest.mark.parametrize("reduction", [0, 1, 2])
@pytest.mark.parametrize("call, shapes", LOSSES)
def test_losses_take_an_int_reduction(call, shapes, reduction):
    _same(lambda m, *xs: call(m, reduction, *xs), *[R(s) for s in shapes])


def test_ctc_loss_with_int_reduction():
    log_probs = np.log(rng.dirichlet(np.ones(5), size=(6, 2)))
    targets = np.array([[1, 2], [3, 3]])
    for reduction in (0, 1, 2):
        _same(lambda m, lp, t: m.ctc_loss(lp, t, [6, 5], [2, 2], 0, reduction), log_probs, targets)


@pytest.mark.parametrize("call, shapes", [
    (lambda m, x, y: m.binary_cross_entropy_with_logits(x, y.sigmoid()), [(3, 4), (3, 4)]),
    (lambda m, x, y: m.kl_div(x, y), [(3, 4), (3, 4)]),
    (lambda m, a, b, t: m.margin_ranking_loss(a, b, t.sign()), [(5,), (5,), (5,)]),
    (lambda m, a, b, t: m.cosine_embedding_loss(a, b, t.sign()), [(3, 4), (3, 4), (3,)]),
    (lambda m, x, t: m.hinge_embedding_loss(x, t.sign()), [(3, 4), (3, 4)]),
    (lambda m, a, p, n: m.triplet_margin_loss(a, p, n), [(3, 4), (3, 4), (3, 4)]),
])
def test_losses_default_to_torchs_unreduced_result(call, shapes):
    """The schemas say reduction=Mean, but torch.<loss>(...) without it returns the unreduced loss."""
    _same(call, *[R(s) for s in shapes])


def test_ctc_loss_defaults_to_the_unreduced_loss():
    log_probs, targets = np.log(rng.dirichlet(np.ones(5), size=(6, 2))), np.array([[1, 2], [3, 3]])
    _same(lambda m, lp, t: m.ctc_loss(lp, t, [6, 5], [2, 2]), log_probs, targets)


def test_reduction_must_be_an_int():
    (x, tx), (y, ty) = _random(3), _random(3)
    assert_same_error(lambda: cr.kl_div(x, y, "mean"), lambda: torch.kl_div(tx, ty, "mean"), prefix=0)
    with pytest.raises(RuntimeError, match="reduction"):
        cr.kl_div(x, y, 3)


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda x, w, b: cr.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True),
     lambda x, w, b: torch.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True), [(4, 3, 2), (3,), (3,)]),
    (lambda x, w: cr.layer_norm(x, [3], w), lambda x, w: torch.layer_norm(x, [3], w), [(2, 3), (3,)]),
    (lambda x: cr.group_norm(x, 2), lambda x: torch.group_norm(x, 2), [(2, 4, 3)]),
    (lambda w: cr.embedding(w, cr.tensor([1, 0, 1])), lambda w: torch.embedding(w, torch.tensor([1, 0, 1])),
     [(3, 2)]),
    (lambda x, y: cr.binary_cross_entropy_with_logits(x, y.sigmoid()),
     lambda x, y: torch.binary_cross_entropy_with_logits(x, y.sigmoid()), [(2, 3), (2, 3)]),
    (lambda x, y: cr.kl_div(x, y, 2, log_target=True), lambda x, y: torch.kl_div(x, y, 2, log_target=True),
     [(2, 3), (2, 3)]),
    (lambda x, w: cr.conv1d(x, w, None, 1, 1), lambda x, w: torch.conv1d(x, w, None, 1, 1), [(1, 2, 5), (3, 2, 3)]),
    (lambda x: cr.max_pool2d(x, 2), lambda x: torch.max_pool2d(x, 2), [(1, 2, 4, 4)]),
])
def test_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


def test_kl_div_mean_does_not_warn_at_the_torch_level():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cr.kl_div(cr.randn(3), cr.rand(3), 1)
