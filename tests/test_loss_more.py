"""The composed losses of chainrule.nn.functional (loss_composite.py) and their nn modules (with
MarginRankingLoss and CosineEmbeddingLoss): gradcheck in float64 and values/gradients against PyTorch
over every reduction, the modules' constructor checks and repr, and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
import chainrule.nn.functional as F
from conftest import assert_same_error, check_op, requires_torch, torch
from test_loss import check_loss

TF = torch.nn.functional if torch is not None else None
REDUCTIONS = ["mean", "sum", "none"]
RNG = np.random.default_rng(3)
SIGNS = RNG.choice([-1.0, 1.0], size=(4, 3))
CLASSES = np.array([2, 0, 3])


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_embedding_loss(reduction):
    check_loss("hinge_embedding_loss", [(4, 3)], consts=(SIGNS,), margin=0.7, reduction=reduction)
    check_loss("hinge_embedding_loss", [(4, 3)], consts=(np.where(SIGNS > 0, 1.0, 0.5),), reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_soft_margin_loss(reduction):
    check_loss("soft_margin_loss", [(4, 3)], consts=(SIGNS,), reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_soft_margin_loss(reduction):
    labels = (SIGNS > 0).astype(np.float64)
    check_loss("multilabel_soft_margin_loss", [(4, 3)], consts=(labels,), reduction=reduction)
    check_loss("multilabel_soft_margin_loss", [(4, 3)], consts=(labels, RNG.random(3)), reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    for labels in [np.array([[3, 0, -1, 1], [1, 2, 3, -1], [2, 2, -1, 0]]), np.array([[-1, 1, 2, 3]] * 3)]:
        check_loss("multilabel_margin_loss", [(3, 4)], consts=(labels,), reduction=reduction)
    check_loss("multilabel_margin_loss", [(4,)], consts=(np.array([2, 0, -1, 3]),), reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
def test_multi_margin_loss(reduction, p):
    check_loss("multi_margin_loss", [(3, 4)], consts=(CLASSES,), p=p, margin=0.8, reduction=reduction)
    check_loss("multi_margin_loss", [(3, 4)], consts=(CLASSES,), p=p, weight=RNG.random(4), reduction=reduction)
    check_loss("multi_margin_loss", [(4,)], consts=(np.array(1),), p=p, reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_loss(reduction, swap):
    check_loss("triplet_margin_loss", [(4, 3), (4, 3), (4, 3)], margin=1.5, swap=swap, reduction=reduction)
    check_loss("triplet_margin_loss", [(4, 3), (4, 3), (4, 3)], p=1, swap=swap, reduction=reduction)


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_triplet_margin_with_distance_loss(reduction):
    check_loss("triplet_margin_with_distance_loss", [(4, 3), (4, 3), (4, 3)], margin=1.5, swap=True,
               reduction=reduction)

    def l1(lib):
        return lambda x, y: (x - y).abs().sum(-1)
    check_op(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=l1(cr),
                                                                 reduction=reduction),
             [(4, 3)] * 3,
             lambda a, p, n: TF.triplet_margin_with_distance_loss(a, p, n, distance_function=l1(torch),
                                                                  reduction=reduction))


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_nll_loss(reduction):
    counts = RNG.integers(0, 5, size=(4, 3)).astype(np.float64)
    check_loss("poisson_nll_loss", [(4, 3)], consts=(counts,), reduction=reduction)
    check_loss("poisson_nll_loss", [(4, 3)], consts=(counts,), full=True, reduction=reduction)
    check_loss("poisson_nll_loss", [(4, 3)], consts=(counts,), log_input=False, full=True, reduction=reduction,
               transform=lambda x: (x.abs() + 0.5,))


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gaussian_nll_loss(reduction):
    positive = lambda x, t, v: (x, t, v.abs() + 0.1)  # noqa: E731
    check_loss("gaussian_nll_loss", [(4, 3), (4, 3), (4, 3)], transform=positive, reduction=reduction)
    check_loss("gaussian_nll_loss", [(4, 3), (4, 3), (4,)], transform=positive, full=True, reduction=reduction)
    check_loss("gaussian_nll_loss", [(4, 3), (4, 3), (4, 1)], transform=positive, reduction=reduction)
    check_loss("gaussian_nll_loss", [(4, 3), (4, 3)], consts=(0.5,), reduction=reduction)


@requires_torch
def test_gaussian_nll_loss_clamps_var_value_not_gradient():
    v = cr.tensor([1e-9, 2.0], dtype=cr.float64, requires_grad=True)
    tv = torch.tensor([1e-9, 2.0], dtype=torch.float64, requires_grad=True)
    x, t = cr.tensor([0.5, 1.0], dtype=cr.float64), torch.tensor([0.5, 1.0], dtype=torch.float64)
    out, tout = F.gaussian_nll_loss(x, x * 0, v), TF.gaussian_nll_loss(t, t * 0, tv)
    out.backward()
    tout.backward()
    np.testing.assert_allclose(out.item(), tout.item(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


@requires_torch
def test_loss_errors():
    x, tx = cr.zeros(3, 4), torch.zeros(3, 4)
    cases = [
        ("hinge_embedding_loss", (x, x), (tx, tx), dict(reduction="foo")),
        ("multi_margin_loss", (x, cr.tensor([0, 1, 4])), (tx, torch.tensor([0, 1, 4])), {}),
        ("multi_margin_loss", (x, cr.tensor([0, 1])), (tx, torch.tensor([0, 1])), {}),
        ("multi_margin_loss", (cr.zeros(2, 3, 4), cr.tensor([0, 1])), (torch.zeros(2, 3, 4), torch.tensor([0, 1])), {}),
        ("multi_margin_loss", (x, cr.tensor([0, 1, 2])), (tx, torch.tensor([0, 1, 2])), dict(p=3)),
        ("triplet_margin_loss", (x, x, x[0]), (tx, tx, tx[0]), {}),
        ("triplet_margin_loss", (x, x, x), (tx, tx, tx), dict(margin=0)),
        ("triplet_margin_with_distance_loss", (x, x, x), (tx, tx, tx), dict(margin=-1)),
        ("triplet_margin_with_distance_loss", (x, x, x[0]), (tx, tx, tx[0]), {}),
        ("gaussian_nll_loss", (x, x, cr.ones(4)), (tx, tx, torch.ones(4)), {}),
        ("gaussian_nll_loss", (x, x, -cr.ones(3, 4)), (tx, tx, -torch.ones(3, 4)), {}),
        ("gaussian_nll_loss", (x, x, -1.0), (tx, tx, -1.0), {}),
        ("poisson_nll_loss", (x, x), (tx, tx), dict(reduction="x")),
        ("multilabel_margin_loss", (x, cr.tensor([[3, 0, -1], [1, 2, 3]])), (tx, torch.tensor([[3, 0, -1], [1, 2, 3]])),
         {}),
        ("multilabel_margin_loss", (x, cr.tensor([[3, 0, -1, 4]] * 3)), (tx, torch.tensor([[3, 0, -1, 4]] * 3)), {}),
        ("multilabel_margin_loss", (cr.zeros(2, 3, 4), cr.zeros(2, 3, 4).long()),
         (torch.zeros(2, 3, 4), torch.zeros(2, 3, 4).long()), {}),
    ]
    for name, ours, theirs, kwargs in cases:
        assert_same_error(lambda: getattr(F, name)(*ours, **kwargs), lambda: getattr(TF, name)(*theirs, **kwargs))
    assert_same_error(lambda: F.multi_margin_loss(x, cr.tensor([0, 1, 2]), weight=cr.ones(3)),
                      lambda: TF.multi_margin_loss(tx, torch.tensor([0, 1, 2]), weight=torch.ones(3)))


LOSS_MODULES = {
    "margin_ranking": (lambda n: n.MarginRankingLoss(0.3, reduction="sum"), [(5,), (5,)], [RNG.choice([-1., 1.], 5)]),
    "hinge": (lambda n: n.HingeEmbeddingLoss(), [(4, 3)], [SIGNS]),
    "cosine_embedding": (lambda n: n.CosineEmbeddingLoss(0.1, reduction="none"), [(4, 3), (4, 3)],
                         [RNG.choice([-1., 1.], 4)]),
    "soft_margin": (lambda n: n.SoftMarginLoss(), [(4, 3)], [SIGNS]),
    "multilabel_soft_margin": (lambda n: n.MultiLabelSoftMarginLoss(reduction="none"), [(4, 3)],
                               [(SIGNS > 0) * 1.0]),
    "multi_margin": (lambda n: n.MultiMarginLoss(p=2, margin=0.5), [(3, 4)], [CLASSES]),
    "multilabel_margin": (lambda n: n.MultiLabelMarginLoss(reduction="sum"), [(2, 4)],
                          [np.array([[3, 0, -1, 1], [1, 2, 3, -1]])]),
    "triplet": (lambda n: n.TripletMarginLoss(margin=2.0, p=1.0, swap=True), [(4, 3), (4, 3), (4, 3)], []),
    "triplet_with_distance": (lambda n: n.TripletMarginWithDistanceLoss(margin=0.5, swap=True), [(4, 3)] * 3, []),
    "triplet_with_cosine": (lambda n: n.TripletMarginWithDistanceLoss(
        distance_function=n.CosineSimilarity(dim=1), reduction="none"), [(4, 3)] * 3, []),
    "poisson": (lambda n: n.PoissonNLLLoss(full=True, reduction="sum"), [(4, 3)], [np.abs(SIGNS) * 3]),
    "gaussian": (lambda n: n.GaussianNLLLoss(full=True, eps=1e-3), [(4, 3), (4, 3)], [np.full((4, 1), 0.7)]),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(LOSS_MODULES))
def test_loss_modules(name):
    build, shapes, consts = LOSS_MODULES[name]
    ours, theirs = build(nn), build(torch.nn)
    assert repr(ours) == repr(theirs)
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    check_op(lambda *xs: ours(*xs, *[cr.tensor(c) for c in consts]), shapes,
             lambda *xs: theirs(*xs, *[torch.tensor(c) for c in consts]))


@requires_torch
def test_weighted_loss_modules_keep_weight_buffer():
    w = np.array([0.5, 1.0, 2.0, 1.5])
    ours = nn.MultiMarginLoss(weight=cr.tensor(w))
    theirs = torch.nn.MultiMarginLoss(weight=torch.tensor(w))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    check_op(lambda x: ours(x, cr.tensor(CLASSES)), [(3, 4)], lambda x: theirs(x, torch.tensor(CLASSES)))
    assert list(nn.MultiLabelSoftMarginLoss(cr.ones(3)).state_dict()) == ["weight"]


@requires_torch
def test_loss_module_constructor_errors():
    for build in [lambda n: n.MultiMarginLoss(p=3), lambda n: n.MultiMarginLoss(weight=n_ones(n)),
                  lambda n: n.TripletMarginLoss(margin=-1), lambda n: n.TripletMarginWithDistanceLoss(margin=0)]:
        assert_same_error(lambda: build(nn), lambda: build(torch.nn))
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert nn.SoftMarginLoss(size_average=False).reduction == "sum"


def n_ones(n):
    return (cr if n is nn else torch).ones(2, 2)


CTC_TARGETS = np.array([[1, 2, 2], [3, 1, 0], [4, 0, 0]])


@requires_torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("lengths", [([6, 5, 4], [3, 2, 1]), ([6, 6, 6], [3, 2, 0]), ([2, 5, 4], [3, 2, 1])])
def test_ctc_loss(reduction, lengths):
    """Through log_softmax: PyTorch's CTC backward is the logits' gradient (see functional/ctc.py)."""
    input_lengths, target_lengths = lengths
    zero_infinity = input_lengths[0] == 2  # the first target cannot be aligned in 2 frames

    def ctc(lib, f):
        return lambda x: f.ctc_loss(x.log_softmax(2), lib.tensor(CTC_TARGETS), input_lengths, target_lengths,
                                    reduction=reduction, zero_infinity=zero_infinity)
    check_op(ctc(cr, F), [(6, 3, 5)], ctc(torch, TF), gradgrad=False)


@requires_torch
def test_ctc_loss_forms():
    x = RNG.standard_normal((6, 3, 5))
    flat = np.array([1, 2, 2, 3, 1, 4])
    for lib, f in ((cr, F), (torch, TF)):
        lp = lib.tensor(x).log_softmax(2)
        padded = f.ctc_loss(lp, lib.tensor(CTC_TARGETS), lib.tensor([6, 5, 4]), lib.tensor([3, 2, 1]),
                            reduction="none")
        concatenated = f.ctc_loss(lp, lib.tensor(flat), (6, 5, 4), (3, 2, 1), reduction="none")
        impossible = f.ctc_loss(lp, lib.tensor(CTC_TARGETS), [2, 5, 4], [3, 2, 1], reduction="none")
        unbatched = f.ctc_loss(lp[:, 0], lib.tensor([1, 2]), [6], [2], blank=4)
        if lib is cr:
            ours = [padded, concatenated, impossible, unbatched]
        else:
            theirs = [padded, concatenated, impossible, unbatched]
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-10)
    assert np.isinf(ours[2].numpy()[0])


@requires_torch
def test_ctc_loss_errors_and_module():
    lp, tlp = cr.zeros(5, 2, 4), torch.zeros(5, 2, 4)
    targets, ttargets = cr.tensor([[1, 2], [1, 1]]), torch.tensor([[1, 2], [1, 1]])
    for args, kwargs in [(([6, 5], [2, 2]), {}), (([5, 5], [2, 2]), dict(blank=4)), (([5], [2, 2]), {}),
                         (([5, 5], [2, 2]), dict(reduction="avg"))]:
        assert_same_error(lambda: F.ctc_loss(lp, targets, *args, **kwargs),
                          lambda: TF.ctc_loss(tlp, ttargets, *args, **kwargs))
    with pytest.raises(RuntimeError, match="size at least 3 at dimension 1"):
        F.ctc_loss(lp, targets, [5, 5], [3, 2])
    ours, theirs = nn.CTCLoss(blank=3, zero_infinity=True), torch.nn.CTCLoss(blank=3, zero_infinity=True)
    assert repr(ours) == repr(theirs) and not list(ours.state_dict())
    x = RNG.standard_normal((5, 2, 4))
    got = ours(cr.tensor(x).log_softmax(2), targets, [5, 4], [2, 2])
    want = theirs(torch.tensor(x).log_softmax(2), ttargets, [5, 4], [2, 2])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10)


@requires_torch
def test_loss_modules_take_pytorchs_keyword_names():
    # knowledge distillation's cosine_loss(student, teacher, target=...) (pytorch/tutorials)
    rng = np.random.default_rng(5)
    a, b, s = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), np.array([1.0, -1.0, 1.0, -1.0])
    for name, call in [("CosineEmbeddingLoss", lambda m, L: m(input1=L.tensor(a), input2=L.tensor(b), target=L.tensor(s))),
                       ("MarginRankingLoss", lambda m, L: m(L.tensor(a[:, 0]), L.tensor(b[:, 0]), target=L.tensor(s))),
                       ("HingeEmbeddingLoss", lambda m, L: m(input=L.tensor(a[:, 0]), target=L.tensor(s)))]:
        ours, theirs = call(getattr(cr.nn, name)(), cr), call(getattr(torch.nn, name)(), torch)
        np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)


def test_hardtanh_takes_pytorchs_deprecated_keywords_with_its_warning():
    with pytest.warns(FutureWarning, match="`min_value` is deprecated and renamed to `min_val`"):
        layer = cr.nn.Hardtanh(min_value=-2.0, max_value=3.0)
    assert (layer.min_val, layer.max_val) == (-2.0, 3.0)
    assert layer(cr.tensor([-5.0, 5.0])).tolist() == [-2.0, 3.0]
