"""Composed math ops (chainrule/_functions): diag/diagonal/trace, addmm/baddbmm/addmv/addcmul/addcdiv/
lerp, cumprod, repeat_interleave, logspace, cdist, unique/bincount and chainrule.linalg norms:
float64 gradcheck (and gradgradcheck) plus PyTorch parity of values and gradients."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, check_op, requires_torch, torch


@pytest.mark.parametrize("offset,dim1,dim2", [(0, 0, 1), (1, 0, 1), (-1, 0, 1), (2, 2, 0), (-2, -1, 1), (7, 0, 1)])
def test_diagonal_grad_and_parity(offset, dim1, dim2):
    check_op(lambda x: cr.diagonal(x, offset, dim1, dim2), [(3, 4, 5)],
             torch_fn=lambda x: torch.diagonal(x, offset, dim1, dim2))


def test_diagonal_without_grad_is_a_view_as_in_pytorch():
    a = cr.zeros(3, 3)
    a.diagonal().fill_(1.0)
    assert_close(a, np.eye(3))
    with pytest.raises(RuntimeError, match="identical"):
        cr.diagonal(a, 0, 1, 1)


@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_builds_and_reads(k):
    check_op(lambda v: cr.diag(v, k), [(4,)], torch_fn=lambda v: torch.diag(v, k))
    check_op(lambda m: m.diag(k), [(4, 5)], torch_fn=lambda m: m.diag(k))


def test_trace():
    check_op(cr.trace, [(4, 3)], torch_fn=torch.trace)
    assert cr.trace(cr.arange(9).reshape(3, 3)).item() == 12
    with pytest.raises(RuntimeError, match="matrix"):
        cr.trace(cr.ones(2, 2, 2))


@requires_torch
def test_addmm_baddbmm_addmv():
    check_op(lambda i, a, b: cr.addmm(i, a, b, beta=0.5, alpha=2.0), [(2, 4), (2, 3), (3, 4)],
             torch_fn=lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0))
    check_op(lambda i, a, b: cr.addmm(i, a, b), [(4,), (2, 3), (3, 4)], torch_fn=torch.addmm)
    check_op(lambda i, a, b: cr.baddbmm(i, a, b, alpha=0.3), [(2, 2, 4), (2, 2, 3), (2, 3, 4)],
             torch_fn=lambda i, a, b: torch.baddbmm(i, a, b, alpha=0.3))
    check_op(lambda i, a, v: i.addmv(a, v), [(2,), (2, 3), (3,)], torch_fn=lambda i, a, v: i.addmv(a, v))
    nan = cr.full((2, 2), float("nan"))
    assert_close(cr.addmm(nan, cr.eye(2), cr.eye(2), beta=0), np.eye(2))  # beta=0 ignores input


@requires_torch
def test_addcmul_addcdiv_and_in_place():
    check_op(lambda i, a, b: cr.addcmul(i, a, b, value=0.5), [(3, 4), (3, 4), (4,)],
             torch_fn=lambda i, a, b: torch.addcmul(i, a, b, value=0.5))
    check_op(lambda i, a, b: cr.addcdiv(i, a, b, value=-2), [(3, 4), (3, 1), (3, 4)], positive=True,
             torch_fn=lambda i, a, b: torch.addcdiv(i, a, b, value=-2))
    x, tx = cr.ones(3), torch.ones(3)
    x.addcmul_(cr.arange(3.0), cr.arange(3.0), value=2)
    tx.addcmul_(torch.arange(3.0), torch.arange(3.0), value=2)
    x.addcdiv_(cr.ones(3), cr.full((3,), 4.0))
    tx.addcdiv_(torch.ones(3), torch.full((3,), 4.0))
    assert_close(x, tx.numpy())
    with pytest.raises(RuntimeError, match="integer division"):
        cr.addcdiv(cr.ones(2), cr.ones(2, dtype=cr.int64), cr.ones(2, dtype=cr.int64))


@requires_torch
@pytest.mark.parametrize("name", ["addcmul", "addcdiv", "addcmul_", "addcdiv_"])
@pytest.mark.parametrize("zero_dim_value", [False, True])
@pytest.mark.filterwarnings("ignore:This overload")
def test_addcmul_addcdiv_deprecated_value_first_form_as_pytorch(name, zero_dim_value):
    # older optimizer code writes exp_avg_sq.addcmul_(1 - beta2, grad, grad); PyTorch still runs it, warning.
    # ikostrikov/pytorch-a3c's SharedAdam passes a 0-d tensor value: p.data.addcdiv_(-step_size, exp_avg, denom)
    values = [np.arange(3.0), np.arange(3.0) + 1, np.arange(3.0) + 2]
    x, t1, t2 = (cr.tensor(v) for v in values)
    tx, tt1, tt2 = (torch.tensor(v) for v in values)
    value, tvalue = (cr.tensor(0.5), torch.tensor(0.5)) if zero_dim_value else (0.5, 0.5)
    with pytest.warns(UserWarning, match="deprecated"):
        got = getattr(x, name)(value, t1, t2)
    want = getattr(tx, name)(tvalue, tt1, tt2)  # PyTorch warns once a process
    assert_close(got, want.numpy())
    assert_close(x, tx.numpy())
    if not name.endswith("_"):
        with pytest.warns(UserWarning, match="deprecated"):
            assert_close(getattr(cr, name)(x, -2, t1, t2), getattr(torch, name)(tx, -2, tt1, tt2).numpy())


@requires_torch
@pytest.mark.parametrize("weight", [0.25, 0.75])
def test_lerp(weight):
    check_op(lambda a, b: cr.lerp(a, b, weight), [(3, 4), (3, 4)], torch_fn=lambda a, b: torch.lerp(a, b, weight))
    check_op(cr.lerp, [(3, 4), (4,), (3, 4)], torch_fn=torch.lerp)
    x = cr.zeros(3)
    assert x.lerp_(cr.full((3,), 2.0), weight) is x
    assert_close(x, np.full(3, 2 * weight))


@requires_torch
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_grad_and_parity(dim):
    check_op(lambda x: cr.cumprod(x, dim), [(3, 4)], torch_fn=lambda x: torch.cumprod(x, dim))


@requires_torch
def test_cumprod_with_zeros_matches_pytorch():
    a = np.random.default_rng(0).standard_normal((3, 5))
    a[0, 1] = a[1, 1] = a[1, 3] = a[2, 0] = 0
    x, tx = cr.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    g = np.random.default_rng(1).standard_normal((3, 5))
    y, ty = cr.cumprod(x, 1), torch.cumprod(tx, 1)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-12)
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-12)
    assert_close(cr.cumprod(cr.tensor(a), 1), ty.detach().numpy(), rtol=1e-12)
    from chainrule.autograd import gradcheck, gradgradcheck
    for dim in (0, 1):  # the second derivative through zeros takes the O(n^2) form
        assert gradcheck(lambda t: cr.cumprod(t, dim), [cr.tensor(a, requires_grad=True)])
        assert gradgradcheck(lambda t: cr.cumprod(t, dim), [cr.tensor(a, requires_grad=True)])
    assert cr.cumprod(cr.tensor([1, 2, 3]), 0).dtype == cr.int64
    with pytest.raises(IndexError):
        cr.cumprod(cr.ones(2), 1)


@requires_torch
def test_repeat_interleave():
    check_op(lambda x: x.repeat_interleave(2, dim=1), [(2, 3)], torch_fn=lambda x: x.repeat_interleave(2, dim=1))
    reps = [1, 0, 3]
    check_op(lambda x: cr.repeat_interleave(x, cr.tensor(reps), dim=0), [(3, 2)],
             torch_fn=lambda x: torch.repeat_interleave(x, torch.tensor(reps), dim=0))
    assert cr.repeat_interleave(cr.tensor([[1, 2], [3, 4]]), 2).tolist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert cr.repeat_interleave(cr.tensor([2, 0, 1])).tolist() == [0, 0, 2]
    with pytest.raises(RuntimeError, match="same size"):
        cr.repeat_interleave(cr.ones(3), cr.tensor([1, 2]), dim=0)


@requires_torch
def test_logspace():
    assert_close(cr.logspace(0, 2, 3), torch.logspace(0, 2, 3).numpy())
    assert_close(cr.logspace(-1, 1, 5, base=2.0, dtype=cr.float64),
                 torch.logspace(-1, 1, 5, base=2.0, dtype=torch.float64).numpy(), rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("shapes", [[(4, 3), (5, 3)], [(2, 4, 3), (1, 5, 3)]])
def test_cdist(p, shapes):
    check_op(lambda a, b: cr.cdist(a, b, p), shapes, torch_fn=lambda a, b: torch.cdist(a, b, p),
             gradgrad=p == 2.0)


def test_cdist_zero_distance_has_zero_gradient_and_errors():
    x = cr.tensor([[0.0, 0.0], [1.0, 1.0]], requires_grad=True)
    y = cr.tensor([[0.0, 0.0]], requires_grad=True)
    cr.cdist(x, y).sum().backward()
    assert_close(x.grad, [[0, 0], [0.70710678, 0.70710678]])
    with pytest.raises(RuntimeError, match="same number of columns"):
        cr.cdist(cr.ones(3, 2), cr.ones(3, 3))


@requires_torch
def test_unique_and_bincount():
    x = cr.tensor([3, 1, 2, 3, 1])
    values, inverse, counts = cr.unique(x, return_inverse=True, return_counts=True)
    t_values, t_inverse, t_counts = torch.unique(torch.tensor([3, 1, 2, 3, 1]), return_inverse=True,
                                                 return_counts=True)
    for ours, theirs in ((values, t_values), (inverse, t_inverse), (counts, t_counts)):
        assert ours.tolist() == theirs.tolist() and ours.dtype == cr.int64
    rows = [[1, 2], [1, 2], [0, 5]]
    ours = cr.tensor(rows).unique(dim=0, return_inverse=True, return_counts=True)
    theirs = torch.tensor(rows).unique(dim=0, return_inverse=True, return_counts=True)
    assert [o.tolist() for o in ours] == [t.tolist() for t in theirs]
    assert cr.bincount(cr.tensor([0, 2, 2])).tolist() == [1, 0, 2]
    w = cr.bincount(cr.tensor([0, 2, 2]), weights=cr.tensor([1.0, 2.0, 3.0]), minlength=5)
    assert w.tolist() == [1, 0, 5, 0, 0] and w.dtype == cr.float32
    with pytest.raises(RuntimeError, match="non-negative"):
        cr.bincount(cr.tensor([-1]))


@requires_torch
@pytest.mark.parametrize("ord", ["fro", 1, -1, math.inf, -math.inf])
def test_linalg_matrix_norm(ord):
    check_op(lambda a: cr.linalg.matrix_norm(a, ord), [(2, 3, 4)], gradgrad=ord == "fro",
             torch_fn=lambda a: torch.linalg.matrix_norm(a, ord))


@requires_torch
def test_linalg_norm_and_vector_norm():
    check_op(lambda a: cr.linalg.vector_norm(a, 3, dim=1), [(3, 4)],
             torch_fn=lambda a: torch.linalg.vector_norm(a, 3, dim=1))
    check_op(cr.linalg.norm, [(3, 4)], torch_fn=torch.linalg.norm)
    check_op(lambda a: cr.linalg.norm(a, dim=(0, 2)), [(2, 3, 4)],
             torch_fn=lambda a: torch.linalg.norm(a, dim=(0, 2)))
