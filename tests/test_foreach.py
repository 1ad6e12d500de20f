"""torch._foreach_* (chainrule/_functions/foreach.py) against PyTorch: every unary, binary and
ternary form, in place and not, with numbers, tensors and lists as the second argument; the EMA and
gradient-clipping uses they come from; return types; the length-mismatch error."""
import numpy as np
import pytest

import chainrule as cr
from chainrule._functions import foreach
from conftest import requires_torch, torch

pytestmark = requires_torch

SHAPES = [(2, 3), (4,), ()]


def lists(seed, positive=False):
    rng = np.random.RandomState(seed)
    arrays = [rng.uniform(0.2, 0.9, s) if positive else rng.uniform(-0.9, 0.9, s) for s in SHAPES]
    arrays = [a.astype(np.float32) for a in arrays]
    return [cr.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def same(ours, theirs):
    assert type(ours) is type(theirs) and len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", foreach._UNARY)
@pytest.mark.parametrize("in_place", [False, True])
def test_unary_forms_match_torch(name, in_place):
    ours, theirs = lists(0, positive=True)
    full = f"_foreach_{name}{'_' if in_place else ''}"
    same(getattr(cr, full)(ours), getattr(torch, full)(theirs))
    if in_place:
        same(ours, theirs)


@pytest.mark.parametrize("name", foreach._BINARY)
@pytest.mark.parametrize("kind", ["number", "numbers", "tensors", "tensor"])
@pytest.mark.parametrize("in_place", [False, True])
def test_binary_forms_match_torch(name, kind, in_place):
    ours, theirs = lists(1, positive=True)
    other_ours, other_theirs = lists(2, positive=True)
    args = {"number": (0.5, 0.5), "numbers": ([0.5, 2.0, 1.5],) * 2, "tensors": (other_ours, other_theirs),
            "tensor": (cr.tensor(1.5), torch.tensor(1.5))}[kind]
    if kind == "tensor" and name in ("maximum", "minimum", "clamp_min", "clamp_max", "pow"):
        pytest.skip(f"PyTorch has no _foreach_{name} with one tensor as the second argument")
    full = f"_foreach_{name}{'_' if in_place else ''}"
    same(getattr(cr, full)(ours, args[0]), getattr(torch, full)(theirs, args[1]))
    if in_place:
        same(ours, theirs)


@pytest.mark.parametrize("name", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", ["default", "number", "numbers", "tensor"])
@pytest.mark.parametrize("in_place", [False, True])
def test_ternary_forms_match_torch(name, value, in_place):
    ours, theirs = lists(3)
    a_ours, a_theirs = lists(4)
    b_ours, b_theirs = lists(5, positive=True)
    kwargs = {"default": ({}, {}), "number": ({"value": 0.3},) * 2, "numbers": ([0.3, -1.0, 2.0],) * 2,
              "tensor": (cr.tensor([0.3, -1.0, 2.0]), torch.tensor([0.3, -1.0, 2.0]))}[value]
    full = f"_foreach_{name}{'_' if in_place else ''}"
    if value in ("numbers", "tensor"):
        got = getattr(cr, full)(ours, a_ours, b_ours, kwargs[0])
        want = getattr(torch, full)(theirs, a_theirs, b_theirs, kwargs[1])
    else:
        got = getattr(cr, full)(ours, a_ours, b_ours, **kwargs[0])
        want = getattr(torch, full)(theirs, a_theirs, b_theirs, **kwargs[1])
    same(got, want)


def test_an_ema_update_and_gradient_scaling_as_libraries_write_them():
    """timm-style EMA: lerp the EMA weights toward the model's; then the clip-by-norm scaling."""
    ema_ours, ema_theirs = lists(6)
    model_ours, model_theirs = lists(7)
    for _ in range(3):
        cr._foreach_lerp_(ema_ours, model_ours, weight=1.0 - 0.9)
        torch._foreach_lerp_(ema_theirs, model_theirs, weight=1.0 - 0.9)
        cr._foreach_mul_(model_ours, 0.5)
        torch._foreach_mul_(model_theirs, 0.5)
    same(ema_ours, ema_theirs)
    same(cr._foreach_norm(ema_ours), torch._foreach_norm(ema_theirs))
    same(cr._foreach_norm(ema_ours, ord=1), torch._foreach_norm(ema_theirs, ord=1))
    same(cr._foreach_add(ema_ours, model_ours, alpha=-2), torch._foreach_add(ema_theirs, model_theirs, alpha=-2))
    same(cr._foreach_lerp(ema_ours, model_ours, [cr.tensor(0.25)] * 3),
         torch._foreach_lerp(ema_theirs, model_theirs, [torch.tensor(0.25)] * 3))
    same(cr._foreach_pow(2.0, ema_ours), torch._foreach_pow(2.0, ema_theirs))
    same(cr._foreach_max(ema_ours), torch._foreach_max(ema_theirs))
    same(cr._foreach_copy_(ema_ours, model_ours), torch._foreach_copy_(ema_theirs, model_theirs))
    same(cr._foreach_clone(ema_ours), torch._foreach_clone(ema_theirs))
    same(cr._foreach_zero_(ema_ours), torch._foreach_zero_(ema_theirs))


def test_out_of_place_forms_are_differentiable():
    x = [cr.ones(2, requires_grad=True), cr.full((3,), 2.0, requires_grad=True)]
    out = cr._foreach_mul(cr._foreach_exp(x), 3.0)
    sum(o.sum() for o in out).backward()
    np.testing.assert_allclose(x[1].grad.numpy(), 3 * np.exp(np.full(3, 2.0)), rtol=1e-6)


def test_lists_of_different_lengths_raise_like_torch():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="Tensor lists must have the same number of tensors, got 2 and 1"):
            lib._foreach_add_([lib.ones(2), lib.ones(3)], [lib.ones(2)])
