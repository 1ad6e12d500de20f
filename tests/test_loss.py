"""chainrule.nn.functional losses: gradcheck + gradgradcheck in float64 and forward/backward parity
with torch.nn.functional (check_op) over every reduction, weights, ignore_index, label smoothing,
probability targets and (N, C, d1, d2) shapes; gradients w.r.t. targets where PyTorch has them;
float32 parity of the fused cross_entropy; one_hot; bad input."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

TF = torch.nn.functional if torch is not None else None
REDUCTIONS = ["mean", "sum", "none"]


def _as(lib, v):
    return lib.tensor(v) if isinstance(v, np.ndarray) else v


def check_loss(name, shapes, consts=(), transform=None, **kwargs):
    """check_op of F.<name>(*differentiable inputs, *consts, **kwargs) against PyTorch's; NumPy arrays
    among consts and kwargs become each library's tensors; transform maps the inputs first."""
    def make(lib, lib_f):
        def fn(*xs):
            if lib is torch:  # PyTorch's nll_loss2d backward refuses non-contiguous inputs; ours takes them
                xs = [x.contiguous() for x in xs]
            xs = transform(*xs) if transform else xs
            return getattr(lib_f, name)(*xs, *[_as(lib, c) for c in consts],
                                        **{k: _as(lib, v) for k, v in kwargs.items()})
        return fn
    check_op(make(cr, F), shapes, torch_fn=make(torch, TF) if torch is not None else None)


RNG = np.random.default_rng(0)


# ---- regression losses: input and target both differentiable --------------------------------

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kwargs", [("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}),
                                         ("smooth_l1_loss", {"beta": 0.5}), ("smooth_l1_loss", {"beta": 0.0}),
                                         ("huber_loss", {}), ("huber_loss", {"delta": 0.4})])
def test_regression_losses(name, kwargs, reduction):
    check_loss(name, [(3, 4), (3, 4)], reduction=reduction, **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
def test_regression_losses_with_weight(name, reduction):
    check_loss(name, [(3, 4), (3, 4)], reduction=reduction, weight=RNG.uniform(0.2, 2.0, (3, 4)))


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_regression_losses_broadcast_target_with_a_warning(name):
    with pytest.warns(UserWarning, match="different to the input size"):
        check_loss(name, [(3, 4), (4,)], reduction="mean")


def test_legacy_size_average_and_reduce():
    x, t = cr.tensor([1.0, 2.0]), cr.tensor([0.0, 0.0])
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.mse_loss(x, t, size_average=False).item() == 5.0
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert tuple(F.l1_loss(x, t, reduce=False).shape) == (2,)


# ---- binary losses ---------------------------------------------------------------------------

def _probabilities(x, t):
    return x.sigmoid(), t.sigmoid()


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_cross_entropy(reduction, weighted):
    weight = {"weight": RNG.uniform(0.5, 2.0, (4,))} if weighted else {}
    check_loss("binary_cross_entropy", [(3, 4), (3, 4)], transform=_probabilities, reduction=reduction, **weight)


@requires_torch
def test_binary_cross_entropy_clamps_logs_at_minus_100():
    p = np.array([0.0, 1.0, 0.5, 1e-50])
    t = np.array([1.0, 0.0, 0.5, 1.0])
    got = F.binary_cross_entropy(cr.tensor(p), cr.tensor(t), reduction="none")
    want = TF.binary_cross_entropy(torch.tensor(p), torch.tensor(t), reduction="none")
    assert_close(got, want.numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("pos_weighted", [False, True])
def test_binary_cross_entropy_with_logits(reduction, weighted, pos_weighted):
    kwargs = {"reduction": reduction}
    if weighted:
        kwargs["weight"] = RNG.uniform(0.5, 2.0, (3, 1))
    if pos_weighted:
        kwargs["pos_weight"] = RNG.uniform(0.5, 3.0, (4,))
    check_loss("binary_cross_entropy_with_logits", [(3, 4), (3, 4)],
               transform=lambda x, t: (x * 3, t.sigmoid()), **kwargs)


@requires_torch
def test_binary_cross_entropy_with_logits_is_stable_for_large_logits():
    x = np.array([-200.0, -30.0, 30.0, 200.0], dtype=np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.0], dtype=np.float32)
    got = F.binary_cross_entropy_with_logits(cr.tensor(x), cr.tensor(t), reduction="none")
    want = TF.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(t), reduction="none")
    assert_close(got, want.numpy(), rtol=1e-6)


# ---- kl_div ----------------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    def transform(x, t):
        return x.log_softmax(1), (t.log_softmax(1) if log_target else t.softmax(1))
    with pytest.warns(UserWarning) if reduction == "mean" else _no_warning():
        check_loss("kl_div", [(3, 4), (3, 4)], transform=transform, reduction=reduction, log_target=log_target)


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_kl_div_zero_target_contributes_zero():
    out = F.kl_div(cr.tensor([-1.0, -2.0]), cr.tensor([0.0, 0.5]), reduction="none")
    assert_close(out, np.array([0.0, 0.5 * (np.log(0.5) + 2.0)]))


# ---- nll_loss and cross_entropy with class indices --------------------------------------------

def _targets(shape, classes, ignored=0, seed=1):
    t = np.random.default_rng(seed).integers(0, classes, shape)
    flat = t.reshape(-1)
    flat[:ignored] = -100
    return t


SHAPES = [((5, 4), (5,)), ((4,), ()), ((2, 3, 2, 2), (2, 2, 2))]
SHAPE_IDS = ["NC", "C", "NCd1d2"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_class_index_losses(name, shapes, weighted, reduction):
    input_shape, target_shape = shapes
    classes = input_shape[1] if len(input_shape) > 1 else input_shape[0]
    kwargs = {"reduction": reduction}
    if weighted:
        kwargs["weight"] = RNG.uniform(0.5, 2.0, (classes,))
    ignored = 0 if target_shape == () else 2
    target = np.array(_targets(target_shape, classes, ignored))
    check_loss(name, [input_shape], consts=(target,), **kwargs)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shapes", SHAPES, ids=SHAPE_IDS)
def test_cross_entropy_label_smoothing(shapes, weighted, smoothing, reduction):
    input_shape, target_shape = shapes
    classes = input_shape[1] if len(input_shape) > 1 else input_shape[0]
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = RNG.uniform(0.5, 2.0, (classes,))
    target = np.array(_targets(target_shape, classes, 0 if target_shape == () else 2))
    check_loss("cross_entropy", [input_shape], consts=(target,), **kwargs)


@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
def test_custom_ignore_index(name):
    target = np.array([1, 3, 3, 0, 2])
    check_loss(name, [(5, 4)], consts=(target,), ignore_index=3)
    check_loss(name, [(5, 4)], consts=(target,), ignore_index=3, weight=RNG.uniform(0.5, 2.0, (4,)))


@requires_torch
@pytest.mark.parametrize("name", ["nll_loss", "cross_entropy"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_all_targets_ignored(name, weighted, smoothing):
    if name == "nll_loss" and smoothing:
        pytest.skip("nll_loss has no label smoothing")
    data = np.random.default_rng(2).standard_normal((3, 4))
    target = np.full(3, -100)
    extra = {"label_smoothing": smoothing} if smoothing else {}
    for reduction in REDUCTIONS:
        kw = dict(reduction=reduction, **extra)
        if weighted:
            kw["weight"] = np.ones(4)
        x = cr.tensor(data, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        got = getattr(F, name)(x, cr.tensor(target), **{k: _as(cr, v) for k, v in kw.items()})
        want = getattr(TF, name)(tx, torch.tensor(target), **{k: _as(torch, v) for k, v in kw.items()})
        assert_close(got.detach(), want.detach().numpy())  # 'mean': nan, as PyTorch
        got.sum().backward()
        want.sum().backward()
        assert_close(x.grad, tx.grad.numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("shape", [(3, 4), (4,), (2, 3, 2)], ids=["NC", "C", "NCd"])
def test_cross_entropy_probability_targets(shape, weighted, smoothing, reduction):
    classes = shape[1] if len(shape) > 1 else shape[0]
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}
    if weighted:
        kwargs["weight"] = RNG.uniform(0.5, 2.0, (classes,))
    dim = 1 if len(shape) > 1 else 0
    # both logits and target probabilities are differentiable (PyTorch gives the target a gradient)
    check_loss("cross_entropy", [shape, shape], transform=lambda x, t: (x, t.softmax(dim)), **kwargs)


@requires_torch
@pytest.mark.parametrize("shape", [(64, 10), (32, 1000), (8, 5, 3, 3)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_float32_matches_pytorch(shape, smoothing):
    rng = np.random.default_rng(7)
    data = (rng.standard_normal(shape) * 4).astype(np.float32)
    target = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    target.reshape(-1)[::7] = -100
    weight = rng.uniform(0.5, 2, shape[1]).astype(np.float32)
    for reduction in REDUCTIONS:
        for w in (None, weight):
            x = cr.tensor(data, requires_grad=True)
            tx = torch.tensor(data, requires_grad=True)
            got = F.cross_entropy(x, cr.tensor(target), weight=None if w is None else cr.tensor(w),
                                  reduction=reduction, label_smoothing=smoothing)
            want = TF.cross_entropy(tx, torch.tensor(target), weight=None if w is None else torch.tensor(w),
                                    reduction=reduction, label_smoothing=smoothing)
            assert got.dtype == cr.float32
            assert_close(got.detach(), want.detach().numpy(), rtol=1e-5, atol=1e-6)
            got.sum().backward()
            want.sum().backward()
            assert_close(x.grad, tx.grad.numpy(), rtol=1e-4, atol=1e-7)


def test_cross_entropy_empty_batch():
    x = cr.zeros(0, 3, requires_grad=True)
    t = cr.zeros(0, dtype=cr.int64)
    assert np.isnan(F.cross_entropy(x, t).item())
    assert F.nll_loss(x, t, reduction="sum").item() == 0.0
    F.cross_entropy(x, t, reduction="sum").backward()
    assert tuple(x.grad.shape) == (0, 3)


def test_cross_entropy_node_name_and_non_contiguous_target():
    x = cr.randn(4, 3, requires_grad=True)
    t = cr.tensor([[0, 1], [2, 0], [1, 1], [0, 2]])[:, 1]
    assert F.cross_entropy(x, t).grad_fn.name() == "NllLossBackward0"  # PyTorch's: nll_loss(log_softmax(x))
    assert F.nll_loss(x, t).grad_fn.name() == "NllLossBackward0"
    assert_close(F.cross_entropy(x, t).detach(), F.nll_loss(F.log_softmax(x, 1), t).detach().numpy(), rtol=1e-6)


# ---- other losses and helpers ------------------------------------------------------------------

@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    check_loss("cosine_similarity", [(3, 4), (3, 4)], dim=dim)
    check_loss("cosine_similarity", [(3, 4), (4,)], dim=-1)


@requires_torch
def test_cosine_similarity_clamps_tiny_norms():
    x = np.zeros((2, 3))
    got = F.cosine_similarity(cr.tensor(x), cr.tensor(np.ones((2, 3))))
    assert_close(got, TF.cosine_similarity(torch.tensor(x), torch.ones(2, 3, dtype=torch.float64)).numpy())


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.3])
def test_cosine_embedding_loss(reduction, margin):
    target = np.array([1.0, -1.0, 1.0, -1.0])
    check_loss("cosine_embedding_loss", [(4, 3), (4, 3)], consts=(target,), margin=margin, reduction=reduction)
    check_loss("cosine_embedding_loss", [(3,), (3,)], consts=(np.array(-1.0),), margin=-0.5, reduction=reduction)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_ranking_loss(reduction):
    target = np.array([1.0, -1.0, 1.0, -1.0, 1.0])
    check_loss("margin_ranking_loss", [(5,), (5,)], consts=(target,), margin=0.2, reduction=reduction)


@requires_torch
def test_one_hot():
    t = np.array([[0, 2], [1, 4]])
    assert_close(F.one_hot(cr.tensor(t)), TF.one_hot(torch.tensor(t)).numpy())
    assert_close(F.one_hot(cr.tensor(t), 6), TF.one_hot(torch.tensor(t), 6).numpy())
    assert F.one_hot(cr.tensor(3), 5).tolist() == [0, 0, 0, 1, 0]
    assert tuple(F.one_hot(cr.zeros(0, dtype=cr.int64), 3).shape) == (0, 3)


# ---- bad input ----------------------------------------------------------------------------------

def test_class_index_errors_name_op_index_and_classes():
    x = cr.randn(3, 4)
    for name in ("nll_loss", "cross_entropy"):
        with pytest.raises(IndexError, match=f"{name}: target 5 is out of bounds for 4 classes"):
            getattr(F, name)(x, cr.tensor([0, 1, 5]))
        with pytest.raises(IndexError, match=f"{name}: target -3 is out of bounds for 4 classes"):
            getattr(F, name)(x, cr.tensor([0, -3, 1]))
        with pytest.raises(ValueError, match=rf"{name}: expected input batch_size \(3\) to match target batch_size \(2\)"):
            getattr(F, name)(x, cr.tensor([0, 1]))
        with pytest.raises(ValueError, match=rf"{name}: weight must have one entry per class \(4 classes\)"):
            getattr(F, name)(x, cr.tensor([0, 1, 1]), weight=cr.ones(3))
        with pytest.raises(ValueError, match=rf"{name}: expected a target of shape \(2, 4\)"):
            getattr(F, name)(cr.randn(2, 3, 4), cr.tensor([[0, 1, 2], [0, 1, 1]]))
        with pytest.raises(ValueError, match=name):
            getattr(F, name)(cr.randn(4), cr.tensor([1]))
        with pytest.raises(ValueError, match=f"{name}: reduction must be 'none', 'mean' or 'sum', got 'avg'"):
            getattr(F, name)(x, cr.tensor([0, 1, 1]), reduction="avg")
    with pytest.raises(RuntimeError, match="cross_entropy: the derivative for weight is not implemented"):
        F.cross_entropy(x, cr.tensor([0, 1, 1]), weight=cr.ones(4, requires_grad=True))
    with pytest.raises(TypeError, match=r"nll_loss: expected an int64 \(or uint8\) target"):
        F.nll_loss(x, cr.tensor([0.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match=r"cross_entropy: a target of class probabilities must have the input's shape"):
        F.cross_entropy(x, cr.randn(3, 5))
    with pytest.raises(ValueError, match="cross_entropy: label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, cr.tensor([0, 1, 1]), label_smoothing=1.5)


def test_other_loss_errors():
    x = cr.rand(3, 4)
    with pytest.raises(ValueError, match=r"mse_loss.*\(3, 4\).*\(5,\)"):
        with pytest.warns(UserWarning):
            F.mse_loss(x, cr.rand(5))
    with pytest.raises(ValueError, match=r"mse_loss: weight must have the input's shape \(3, 4\), got \(4,\)"):
        F.mse_loss(x, x, weight=cr.ones(4))
    with pytest.raises(TypeError, match="l1_loss"):
        F.l1_loss(cr.tensor([1, 2]), cr.tensor([1, 2]))
    with pytest.raises(ValueError, match="binary_cross_entropy: target of shape"):
        F.binary_cross_entropy(x, cr.rand(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: every element of input must be a probability"):
        F.binary_cross_entropy(x + 1, x)
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: target of shape"):
        F.binary_cross_entropy_with_logits(x, cr.rand(3))
    with pytest.raises(ValueError, match="smooth_l1_loss: beta must not be negative"):
        F.smooth_l1_loss(x, x, beta=-1.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="kl_div"):
        F.kl_div(x, x, reduction="avg")
    with pytest.raises(ValueError, match="one_hot: class value 3 is not smaller than num_classes"):
        F.one_hot(cr.tensor([0, 3]), 2)
    with pytest.raises(ValueError, match="one_hot: class values must be non-negative"):
        F.one_hot(cr.tensor([0, -1]))
    with pytest.raises(ValueError, match="one_hot: cannot infer"):
        F.one_hot(cr.zeros(0, dtype=cr.int64))
    with pytest.raises(TypeError, match="one_hot"):
        F.one_hot(cr.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="cosine_embedding_loss"):
        F.cosine_embedding_loss(x, x, cr.ones(3, 4))
    with pytest.raises(ValueError, match="margin_ranking_loss"):
        F.margin_ranking_loss(cr.rand(3), cr.rand(3), cr.ones(3, 1))


def test_target_changed_in_place_after_forward_does_not_reach_backward():
    x = cr.randn(3, 4, requires_grad=True)
    t = cr.tensor([0, 1, 2])
    loss = F.cross_entropy(x, t)
    expected = cr.autograd.grad(F.cross_entropy(x, cr.tensor([0, 1, 2])), [x])[0]
    t.fill_(1000)  # would index out of bounds if backward read it
    loss.backward()
    assert_close(x.grad, expected.numpy(), rtol=1e-6)


LOSS_CALLS = {
    "mse": lambda F, x, y, p, t, c: F.mse_loss(x, y),
    "mse_sum": lambda F, x, y, p, t, c: F.mse_loss(x, y, reduction="sum"),
    "mse_none": lambda F, x, y, p, t, c: F.mse_loss(x, y, reduction="none"),
    "l1": lambda F, x, y, p, t, c: F.l1_loss(x, y),
    "smooth_l1": lambda F, x, y, p, t, c: F.smooth_l1_loss(x, y),
    "huber": lambda F, x, y, p, t, c: F.huber_loss(x, y, reduction="sum"),
    "bce": lambda F, x, y, p, t, c: F.binary_cross_entropy(p, t),
    "bce_with_logits": lambda F, x, y, p, t, c: F.binary_cross_entropy_with_logits(x, t),
    "cross_entropy": lambda F, x, y, p, t, c: F.cross_entropy(x, c),
    "nll": lambda F, x, y, p, t, c: F.nll_loss(x, c),
    "kl_div": lambda F, x, y, p, t, c: F.kl_div(x, p, reduction="batchmean"),
}


@requires_torch
@pytest.mark.parametrize("name", list(LOSS_CALLS))
def test_printed_losses_name_pytorchs_node(name):
    # print(loss) shows grad_fn=<MseLossBackward0> in PyTorch; a composite loss names its last node so
    def args(m):
        x = m.tensor([[0.2, -0.5, 1.0], [0.3, 0.1, -0.2]], requires_grad=True)
        p = m.tensor([[0.2, 0.5, 0.9], [0.3, 0.1, 0.6]], requires_grad=True)
        return (m.nn.functional, x, m.tensor([[0.1, -0.4, 0.8], [0.2, 0.3, -0.1]]), p,
                m.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]), m.tensor([0, 2]))
    ours, theirs = LOSS_CALLS[name](*args(cr)), LOSS_CALLS[name](*args(torch))
    assert ours.grad_fn.name() == theirs.grad_fn.name()
    assert str(ours).replace("chainrule", "torch") == str(theirs)
