"""Backward of the reductions and softmax: gradcheck + gradgradcheck + PyTorch parity per op
(check_op), and PyTorch's conventions at ties (max/min/amax/amin/norm inf), zeros (prod, norm,
std) and in float32 softmax."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

INF = math.inf


def same_fn(name, *args, **kwargs):
    """The same method call on a chainrule and a PyTorch tensor."""
    return lambda x: getattr(x, name)(*args, **kwargs)


def values(name, *args, **kwargs):
    """max/min along a dim return (values, indices): keep the values."""
    return lambda x: getattr(x, name)(*args, **kwargs)[0]


DIM_CASES = [dict(), dict(dim=1), dict(dim=-1, keepdim=True), dict(dim=(0, 2)), dict(dim=(-1, 0), keepdim=True)]


@pytest.mark.parametrize("kwargs", DIM_CASES)
@pytest.mark.parametrize("name", ["sum", "prod", "mean", "amax", "amin", "logsumexp"])
def test_reductions_over_dims(name, kwargs):
    if name == "logsumexp" and "dim" not in kwargs:
        kwargs = dict(dim=(0, 1, 2))
    torch_fn = same_fn(name, **kwargs)
    if name == "prod" and isinstance(kwargs.get("dim"), tuple):  # PyTorch's prod takes one dim
        torch_fn = lambda x: torch_prod_over(x, kwargs["dim"], kwargs.get("keepdim", False))
    check_op(same_fn(name, **kwargs), [(2, 3, 4)], torch_fn=torch_fn)


def torch_prod_over(x, dims, keepdim):
    for d in sorted((d % x.dim() for d in dims), reverse=True):
        x = x.prod(d, keepdim=keepdim)
    return x


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_over_all(name):
    check_op(same_fn(name), [(3, 4)], torch_fn=same_fn(name))


@pytest.mark.parametrize("dim, keepdim", [(0, False), (1, True), (-1, False), (-2, True)])
@pytest.mark.parametrize("name", ["max", "min"])
def test_max_min_along_dim(name, dim, keepdim):
    fn = values(name, dim, keepdim=keepdim)
    check_op(fn, [(3, 4)], torch_fn=fn)
    # the indices are an output too, but not a differentiable one
    check_op(lambda x: getattr(x, name)(dim, keepdim), [(3, 4)], torch_fn=lambda x: getattr(x, name)(dim, keepdim))


@pytest.mark.parametrize("kwargs", DIM_CASES + [dict(dim=1, correction=0), dict(correction=0, keepdim=True)])
@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std(name, kwargs):
    check_op(same_fn(name, **kwargs), [(2, 3, 4)], torch_fn=same_fn(name, **kwargs))


@pytest.mark.parametrize("p", [0, 1, 2, 3, 1.5, 0.5, INF, -INF, "fro"])
@pytest.mark.parametrize("kwargs", [dict(), dict(dim=1), dict(dim=(0, -1), keepdim=True)])
def test_norm(p, kwargs):
    check_op(same_fn("norm", p, **kwargs), [(2, 3, 4)], torch_fn=same_fn("norm", p, **kwargs))


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum(dim):
    check_op(same_fn("cumsum", dim), [(3, 4)], torch_fn=same_fn("cumsum", dim))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax(name, dim):
    check_op(same_fn(name, dim), [(2, 3, 4)], torch_fn=same_fn(name, dim))


def test_zero_dim_and_one_element_inputs():
    for fn in (same_fn("prod"), same_fn("max"), same_fn("cumsum", 0), same_fn("softmax", 0),
               same_fn("log_softmax", -1), values("max", 0), same_fn("amin"), same_fn("norm", 3)):
        check_op(fn, [()], torch_fn=fn)


def test_integer_and_bool_reductions_record_nothing():
    x = cr.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    for out in (x.argmax(), x.argmin(1), (x > 2).all(), (x > 2).any(1), x.max(1).indices):
        assert not out.requires_grad and out.grad_fn is None
    assert not cr.tensor([1, 2, 3]).cumsum(0).requires_grad


def test_node_names_follow_pytorch():
    x = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    names = {
        "ProdBackward0": x.prod(), "ProdBackward1": x.prod(1), "MaxBackward1": x.max(),
        "MaxBackward0": x.max(1)[0], "MinBackward0": x.min(0).values, "AmaxBackward0": x.amax(1),
        "AminBackward0": x.amin(), "VarBackward0": x.var(), "StdBackward0": x.std(1),
        "LinalgVectorNormBackward0": x.norm(3), "CumsumBackward0": x.cumsum(1),
        "SoftmaxBackward0": x.softmax(1), "LogSoftmaxBackward0": x.log_softmax(0),
        "SumBackward0": x.sum(), "SumBackward1": x.sum(1), "MeanBackward0": x.mean(), "MeanBackward1": x.mean(1),
    }
    for name, out in names.items():
        assert out.grad_fn.name() == name
    # mean is one node over the leaf, as in PyTorch (the autograd tutorial prints grad_fn=<MeanBackward0>)
    assert [type(fn).__name__ for fn, _ in x.mean().grad_fn.next_functions] == ["AccumulateGrad"]
    assert x.sum(dim=[]).grad_fn.name() == "SumBackward1" and x.mean(dim=[]).grad_fn.name() == "MeanBackward1"


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": (0, 1), "keepdim": True}, {"dtype": cr.float64}])
def test_mean_gradient_is_the_share_of_each_element_in_the_inputs_dtype(kwargs):
    x = cr.randn(3, 4, requires_grad=True)
    x.mean(**kwargs).sum().backward()
    count = 12 if "dim" not in kwargs or kwargs["dim"] == (0, 1) else 4
    assert x.grad.dtype == cr.float32
    np.testing.assert_allclose(x.grad.numpy(), np.full((3, 4), 1 / count), rtol=1e-6)


def torch_grads(fn, data, grad_out=None, dtype=np.float64):
    """The gradient of fn at `data` in chainrule and in PyTorch, for the same output gradient."""
    x = cr.tensor(np.asarray(data, dtype=dtype), requires_grad=True)
    t = torch.tensor(np.asarray(data, dtype=dtype), requires_grad=True)
    out, tout = fn(x), fn(t)
    seed = np.random.default_rng(7).standard_normal(tuple(tout.shape)).astype(tout.detach().numpy().dtype)
    out.backward(cr.tensor(seed))
    tout.backward(torch.tensor(seed))
    want = np.zeros_like(data, dtype=dtype) if t.grad is None else t.grad.numpy()  # PyTorch: None for norm p=0
    return x.grad.numpy(), want


TIES = [[1.0, 3.0, 3.0, -2.0], [-2.0, 0.5, -2.0, -2.0], [3.0, 0.0, 3.0, 1.0]]


@requires_torch
@pytest.mark.parametrize("fn", [same_fn("max"), same_fn("min"), same_fn("amax"), same_fn("amin", 1),
                                same_fn("amax", (0, 1), keepdim=True), same_fn("amin", 0), values("max", 1),
                                values("min", 0, keepdim=True), values("max", -1), same_fn("norm", INF),
                                same_fn("norm", -INF, 1), same_fn("norm", INF, 0)])
def test_ties_split_like_pytorch(fn):
    got, want = torch_grads(fn, TIES)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def assert_same_signs(got, want):
    """The same sign bits, signed zeros included (a NaN's sign means nothing)."""
    numbers = ~np.isnan(want)
    np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(want[numbers]))


@requires_torch
@pytest.mark.parametrize("data", [
    [[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, -2.0, 0.5]],  # one zero, two zeros, none per row
    [[0.0, 0.0], [0.0, 0.0]],
    # NaN and inf beside zeros (found by the long fuzz run): each element gets the product of the
    # others, computed without division (prod() of [nan, -0] has gradient [-0, nan], not NaNs);
    # rows with no zero get it too once the input holds one; prod() with 2+ zeros gives zeros.
    [[float("nan"), -0.0, 2.0], [float("inf"), 2.0, 3.0], [0.0, 0.0, float("nan")]],
    [[float("inf"), 0.0], [float("nan"), 2.0]],
])
@pytest.mark.parametrize("kwargs", [dict(), dict(dim=1), dict(dim=0, keepdim=True), dict(dim=-1)])
def test_prod_with_zeros_like_pytorch(data, kwargs):
    got, want = torch_grads(same_fn("prod", **kwargs), data)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert_same_signs(got, want)


@requires_torch
@pytest.mark.parametrize("data", [[float("nan"), -0.0], [0.0, 0.0, float("nan")], [float("inf"), 0.0, 2.0]])
@pytest.mark.parametrize("dim", [None, 0])
def test_prod_of_one_dim_with_zeros_and_nan_like_pytorch(data, dim):
    """PyTorch's prod() gives zeros for 2+ zeros, prod(0) the products of the others (NaN beside a NaN)."""
    got, want = torch_grads(same_fn("prod") if dim is None else same_fn("prod", dim), data)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert_same_signs(got, want)


def test_prod_second_derivative_at_a_single_zero():
    from chainrule.autograd import gradcheck, gradgradcheck
    x = cr.tensor([[2.0, 0.0, 3.0], [1.5, -2.0, 0.5]], dtype=cr.float64, requires_grad=True)
    assert gradcheck(lambda t: t.prod(1), [x])
    assert gradgradcheck(lambda t: t.prod(1), [x])
    assert gradgradcheck(lambda t: t.prod(), [x])


@requires_torch
@pytest.mark.parametrize("fn", [same_fn("norm", p, **kw) for p in (2, 3, 1.5, 0.5, 1, "fro", 0)
                                for kw in (dict(), dict(dim=1))])
def test_norm_at_zero_like_pytorch(fn):
    data = [[0.0, 0.0, 0.0], [1.0, 0.0, -2.0]]
    got, want = torch_grads(fn, data)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert np.isfinite(got).all()


@requires_torch
@pytest.mark.parametrize("fn", [same_fn("std"), same_fn("std", 1), same_fn("var", 1, correction=0)])
def test_std_of_constant_rows_has_zero_gradient_like_pytorch(fn):
    got, want = torch_grads(fn, [[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    np.testing.assert_allclose(got, want, rtol=1e-12)


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_float32_softmax_backward_matches_pytorch(name, dim):
    data = np.random.default_rng(3).standard_normal((5, 7)) * 3
    got, want = torch_grads(same_fn(name, dim), data, dtype=np.float32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@requires_torch
def test_softmax_of_a_transposed_input_and_dtype_argument():
    data = np.random.default_rng(4).standard_normal((4, 6))
    fn = lambda x: x.t().softmax(0, dtype=cr.float64 if isinstance(x, cr.Tensor) else torch.float64)
    got, want = torch_grads(fn, data, dtype=np.float32)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_softmax_gradients_sum_to_zero_along_dim():
    x = cr.randn(4, 5, dtype=cr.float64, requires_grad=True)
    (x.softmax(1) * cr.randn(4, 5, dtype=cr.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy().sum(1), np.zeros(4), atol=1e-12)


def test_empty_inputs_get_empty_gradients():
    x = cr.zeros(0, 3, dtype=cr.float64, requires_grad=True)
    for out in (x.sum(0), x.prod(0), x.softmax(1), x.cumsum(0), x.amax(1), x.logsumexp(1)):
        (grad,) = cr.autograd.grad(out.sum(), [x])
        assert tuple(grad.shape) == (0, 3)


def test_cumsum_gradient_in_integers_converted_by_dtype():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.cumsum(0, dtype=cr.float64).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 2.0, 1.0])
    assert x.grad.dtype == cr.float32


@requires_torch
@pytest.mark.parametrize("fn", [same_fn("softmax", 1), same_fn("log_softmax", 0), same_fn("prod", 1),
                                same_fn("std", 1), same_fn("norm", 3, 1), same_fn("cumsum", 1),
                                same_fn("logsumexp", 1), values("max", 1), same_fn("amax", 0)])
def test_second_derivatives_match_pytorch(fn):
    """d/dx <grad_x(<fn(x), v>), w> against PyTorch; prod's input holds a lone zero."""
    data = np.random.default_rng(5).standard_normal((3, 4))
    data[1, 2] = 0.0
    rng = np.random.default_rng(6)
    results = []
    for lib, make in ((cr, lambda a, **kw: cr.tensor(a, **kw)), (torch, lambda a, **kw: torch.tensor(a, **kw))):
        x = make(data, requires_grad=True)
        out = fn(x)
        v = make(np.random.default_rng(6).standard_normal(tuple(out.shape)))
        (gx,) = lib.autograd.grad([out], [x], [v], create_graph=True)
        w = make(np.random.default_rng(8).standard_normal((3, 4)))
        if not gx.requires_grad:  # the gradient is linear in v alone (cumsum, max, amax): zero
            results.append(np.zeros((3, 4)))
            continue
        (ggx,) = lib.autograd.grad([(gx * w).sum()], [x], allow_unused=True)
        results.append(np.zeros((3, 4)) if ggx is None else ggx.detach().numpy())
    assert len(results) == 2
    np.testing.assert_allclose(results[0], results[1], rtol=1e-9, atol=1e-12)
