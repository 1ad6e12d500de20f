"""Backward of the matmul family: every rank case of matmul (1-D prepend/append undone, broadcast
batch dims summed), mm, bmm, dot, mv and outer, with gradcheck, gradgradcheck and PyTorch parity;
non-contiguous operands, needs-grad masks, node names, a linear layer and a small MLP."""
import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

MATMUL_SHAPES = [
    [(4,), (4,)],                   # dot
    [(3, 4), (4,)],                 # mv
    [(4,), (4, 2)],                 # vector @ matrix
    [(3, 4), (4, 2)],               # mm
    [(2, 3, 4), (2, 4, 5)],         # bmm
    [(2, 3, 4), (4, 5)],            # batch on a alone (one tall mm)
    [(2, 2, 3, 4), (4, 5)],
    [(3, 4), (2, 4, 5)],            # batch on b alone
    [(4,), (2, 4, 5)],              # 1-D prepended, then batched
    [(2, 3, 4), (4,)],              # 1-D appended, then batched
    [(2, 1, 3, 4), (5, 4, 2)],      # broadcast batch dims
    [(2, 1, 3, 4), (1, 5, 4, 2)],
    [(1, 3, 4), (2, 4, 2)],
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=lambda s: "@".join(map(str, s)))
def test_matmul_every_rank_case(shapes):
    check_op(lambda a, b: a @ b, shapes, torch_fn=lambda a, b: a @ b)
    check_op(cr.matmul, shapes, torch_fn=torch.matmul if torch else None)


def test_strict_forms():
    check_op(cr.mm, [(3, 4), (4, 2)], torch_fn=torch.mm if torch else None)
    check_op(cr.bmm, [(2, 3, 4), (2, 4, 5)], torch_fn=torch.bmm if torch else None)
    check_op(cr.dot, [(4,), (4,)], torch_fn=torch.dot if torch else None)
    check_op(cr.mv, [(3, 4), (4,)], torch_fn=torch.mv if torch else None)
    check_op(cr.outer, [(3,), (4,)], torch_fn=torch.outer if torch else None)
    check_op(lambda a, b: a.mm(b), [(2, 4), (4, 3)], torch_fn=lambda a, b: a.mm(b))


@pytest.mark.parametrize("shapes", [[(3, 0), (0, 2)], [(0, 3), (3, 2)], [(2, 0, 3), (3, 4)]])
def test_zero_sized_dims_give_zero_gradients(shapes):
    # (gradcheck needs nonempty inputs, so the gradients are checked directly)
    a, b = (cr.ones(*s, dtype=cr.float64, requires_grad=True) for s in shapes)
    out = a @ b
    (out * 2).sum().backward()
    assert tuple(a.grad.shape) == shapes[0] and tuple(b.grad.shape) == shapes[1]
    assert not a.grad.numpy().any() and not b.grad.numpy().any()


def test_non_contiguous_operands():
    # stepped slices, a transposed batch and stride-0 expanded operands
    check_op(lambda a, b: a[:, ::2] @ b[1:, :], [(3, 8), (5, 2)],
             torch_fn=lambda a, b: a[:, ::2] @ b[1:, :])
    check_op(lambda a, b: a.transpose(0, 1) @ b, [(3, 2, 4), (2, 4, 5)],
             torch_fn=lambda a, b: a.transpose(0, 1) @ b)
    check_op(lambda a, b: a.expand(2, 3, 4) @ b, [(3, 4), (2, 4, 5)],
             torch_fn=lambda a, b: a.expand(2, 3, 4) @ b)
    check_op(lambda a, b: a @ b.expand(3, 4, 2), [(3, 2, 4), (1, 4, 2)],
             torch_fn=lambda a, b: a @ b.expand(3, 4, 2))
    check_op(lambda a, b: cr.mv(a.t(), b[::2]), [(4, 3), (8,)],
             torch_fn=lambda a, b: torch.mv(a.t(), b[::2]))


@requires_torch
def test_linear_layer_matches_pytorch():
    check_op(lambda x, w, b: x @ w.t() + b, [(6, 5), (3, 5), (3,)], torch_fn=lambda x, w, b: x @ w.t() + b)
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in [(4, 5), (3, 5), (3,)]]
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    (ours[0] @ ours[1].t() + ours[2]).sum().backward()
    (theirs[0] @ theirs[1].t() + theirs[2]).sum().backward()
    for o, t in zip(ours, theirs):
        assert o.grad.dtype == cr.float32
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-6)


def mlp(x, w1, b1, w2, b2, tanh):
    h = (x @ w1 + b1).relu()
    return tanh(h @ w2 + b2).mean()


@requires_torch
def test_small_mlp_gradients_equal_pytorch():
    shapes = [(8, 5), (5, 7), (7,), (7, 3), (3,)]
    check_op(lambda *t: mlp(*t, cr.tanh), shapes, torch_fn=lambda *t: mlp(*t, torch.tanh))


def test_only_the_needed_gradient_is_computed_and_saved():
    a = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    b = cr.randn(4, 2, dtype=cr.float64)
    # b needs no gradient, so a is not saved: changing a afterwards leaves da = g @ b^T valid
    h = a * 1
    out = h @ b
    h.mul_(2)
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((3, 2)) @ b.numpy().T)
    assert b.grad is None
    # the operand whose values a gradient needs is saved and checked
    c = cr.randn(4, 2, dtype=cr.float64, requires_grad=True)
    k = a * 1
    out = k @ c
    k.mul_(2)
    with pytest.raises(RuntimeError, match="in-place|modified"):
        out.sum().backward()


def test_grad_fn_names_follow_the_rank_case():
    def name(x, y):
        return (x @ y).grad_fn.name()

    v = cr.randn(4, requires_grad=True)
    m = cr.randn(4, 4, requires_grad=True)
    b3 = cr.randn(2, 4, 4, requires_grad=True)
    assert name(v, v) == "DotBackward0"
    assert name(m, v) == "MvBackward0"
    assert name(m, m) == "MmBackward0"
    assert name(b3, m) == "MmBackward0"
    assert name(b3, b3) == "BmmBackward0"
    assert cr.bmm(b3, b3).grad_fn.name() == "BmmBackward0"
    assert cr.dot(v, v).grad_fn.name() == "DotBackward0"


def test_integer_products_are_not_recorded():
    a = cr.tensor([[1, 2], [3, 4]])
    assert not (a @ a).requires_grad
    with cr.no_grad():
        x = cr.randn(2, 2, requires_grad=True)
        assert (x @ x).grad_fn is None


def test_bad_input_still_raises_with_grad():
    a = cr.randn(3, 4, requires_grad=True)
    with pytest.raises(ValueError, match="matmul: cannot multiply"):
        a @ cr.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="matmul"):
        a @ cr.randn(4, 2, dtype=cr.float64, requires_grad=True)
