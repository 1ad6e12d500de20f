"""Pooling (chainrule.nn.functional.pool): gradcheck + gradgradcheck + PyTorch parity (check_op)
over sweeps of kernel/stride/padding/dilation/ceil_mode/count_include_pad/divisor_override, indices
equal to PyTorch's, float32 parity, ties, non-contiguous and empty-batch inputs, and bad input."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

if torch is not None:
    import torch.nn.functional as TF


def both(name, *args, **kwargs):
    """The same functional call for chainrule (on F) and PyTorch (on torch.nn.functional)."""
    ours = lambda x: getattr(F, name)(x, *args, **kwargs)
    theirs = (lambda x: getattr(TF, name)(x, *args, **kwargs)) if torch is not None else None
    return ours, theirs


MAX2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 0)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=2, dilation=2, stride=1),
    dict(kernel_size=3, dilation=(2, 1), padding=1, ceil_mode=True),
]


@pytest.mark.parametrize("kwargs", MAX2D)
@pytest.mark.parametrize("shape", [(2, 2, 5, 6), (2, 5, 7)])
def test_max_pool2d(kwargs, shape):
    ours, theirs = both("max_pool2d", **kwargs)
    check_op(ours, [shape], torch_fn=theirs)


MAX1D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
         dict(kernel_size=2, dilation=3), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)]


@pytest.mark.parametrize("kwargs", MAX1D)
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_max_pool1d(kwargs, shape):
    ours, theirs = both("max_pool1d", **kwargs)
    check_op(ours, [shape], torch_fn=theirs)


AVG2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, stride=1, padding=1, divisor_override=3),
    dict(kernel_size=3, stride=3, ceil_mode=True, divisor_override=2),
]


@pytest.mark.parametrize("kwargs", AVG2D)
@pytest.mark.parametrize("shape", [(2, 2, 5, 6), (2, 7, 5)])
def test_avg_pool2d(kwargs, shape):
    ours, theirs = both("avg_pool2d", **kwargs)
    check_op(ours, [shape], torch_fn=theirs)


AVG1D = [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
         dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
         dict(kernel_size=4, stride=3, padding=2, ceil_mode=True)]


@pytest.mark.parametrize("kwargs", AVG1D)
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_avg_pool1d(kwargs, shape):
    ours, theirs = both("avg_pool1d", **kwargs)
    check_op(ours, [shape], torch_fn=theirs)


@pytest.mark.parametrize("output_size", [3, (2, 4), (None, 3), (5, 7), (1, 1), (7, 9)])
@pytest.mark.parametrize("name", ["adaptive_avg_pool2d", "adaptive_max_pool2d"])
def test_adaptive_pool2d(name, output_size):
    ours, theirs = both(name, output_size)
    check_op(ours, [(2, 2, 5, 7)], torch_fn=theirs)
    check_op(ours, [(3, 5, 7)], torch_fn=theirs)


@requires_torch
@pytest.mark.parametrize("output_size", [1, (1, 1)])
def test_global_average_pooling_is_a_mean_as_in_pytorch(output_size):
    # PyTorch computes adaptive_avg_pool2d to one output per plane as x.mean((-2, -1), keepdim=True).
    x = cr.randn(4, 8, 7, 7, requires_grad=True)
    tx = torch.tensor(x.detach().numpy(), requires_grad=True)
    y, ty = F.adaptive_avg_pool2d(x, output_size), TF.adaptive_avg_pool2d(tx, output_size)
    assert y.grad_fn.name() == ty.grad_fn.name() == "MeanBackward1"
    assert y.shape == ty.shape == (4, 8, 1, 1)
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-6, atol=1e-7)
    y.sum().backward(), ty.sum().backward()
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("output_size", [1, 3, 4, 9])
@pytest.mark.parametrize("name", ["adaptive_avg_pool1d", "adaptive_max_pool1d"])
def test_adaptive_pool1d(name, output_size):
    ours, theirs = both(name, output_size)
    check_op(ours, [(2, 3, 7)], torch_fn=theirs)
    check_op(ours, [(3, 7)], torch_fn=theirs)


@requires_torch
@pytest.mark.parametrize("call", [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True)),
    ("max_pool2d", dict(kernel_size=2, dilation=2, return_indices=True)),
    ("max_pool1d", dict(kernel_size=3, stride=2, padding=1, return_indices=True)),
    ("adaptive_max_pool2d", dict(output_size=(3, 4), return_indices=True)),
    ("adaptive_max_pool1d", dict(output_size=4, return_indices=True)),
])
def test_indices_match_torch(call):
    name, kwargs = call
    shape = (2, 3, 9, 11) if name.endswith("2d") else (2, 3, 11)
    a = np.random.default_rng(1).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32)  # no ties
    values, indices = getattr(F, name)(cr.tensor(a), **kwargs)
    want_values, want_indices = getattr(TF, name)(torch.tensor(a), **kwargs)
    assert indices.dtype == cr.int64
    np.testing.assert_array_equal(indices.numpy(), want_indices.numpy())
    assert_close(values, want_values.numpy(), rtol=0, atol=0)


@requires_torch
@pytest.mark.parametrize("name, kwargs", [
    ("max_pool2d", dict(kernel_size=3, stride=2, padding=1)),
    ("avg_pool2d", dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ("adaptive_avg_pool2d", dict(output_size=(3, 5))),
    ("adaptive_max_pool2d", dict(output_size=(3, 5))),
])
def test_float32_parity_and_grad(name, kwargs):
    a = np.random.default_rng(2).standard_normal((4, 3, 10, 13)).astype(np.float32)
    x = cr.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    assert y.dtype == cr.float32
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = np.random.default_rng(3).standard_normal(tuple(ty.shape)).astype(np.float32)
    y.backward(cr.tensor(g))
    ty.backward(torch.tensor(g))
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_ties_pick_the_first_max_and_nan_wins():
    x = cr.tensor([[[[1.0, 3.0], [3.0, 2.0]]]])
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    assert indices.item() == 1 and values.item() == 3.0
    nan = cr.tensor([[[1.0, float("nan"), 5.0, 2.0]]])
    values, indices = F.max_pool1d(nan, 4, return_indices=True)
    assert np.isnan(values.item()) and indices.item() == 1


@requires_torch
def test_non_contiguous_and_int64_and_empty_batch():
    a = np.random.default_rng(4).standard_normal((3, 2, 6, 8))
    x = cr.tensor(a).permute(1, 0, 3, 2)[:, :, ::2]  # (2, 3, 4, 6), strided
    tx = torch.tensor(a).permute(1, 0, 3, 2)[:, :, ::2]
    assert_close(F.max_pool2d(x, 2), TF.max_pool2d(tx, 2).numpy())
    assert_close(F.avg_pool2d(x, 3, 1, 1), TF.avg_pool2d(tx, 3, 1, 1).numpy())
    ints = np.arange(2 * 3 * 4 * 4).reshape(2, 3, 4, 4) % 7
    got = F.max_pool2d(cr.tensor(ints), 2)
    assert got.dtype == cr.int64
    np.testing.assert_array_equal(got.numpy(), TF.max_pool2d(torch.tensor(ints), 2).numpy())
    assert tuple(F.max_pool2d(cr.zeros(0, 2, 4, 4), 2).shape) == (0, 2, 2, 2)
    assert tuple(F.adaptive_avg_pool2d(cr.zeros(0, 2, 4, 4), 3).shape) == (0, 2, 3, 3)
    assert tuple(F.adaptive_avg_pool2d(cr.zeros(1, 2, 4, 4), 0).shape) == (1, 2, 0, 0)


def test_double_backward_of_max_pool_is_a_gather():
    x = cr.tensor(np.random.default_rng(5).standard_normal((1, 1, 4, 4)), requires_grad=True)
    y = F.max_pool2d(x, 2)
    (gx,) = cr.autograd.grad(y.sum(), x, create_graph=True)
    (ggx,) = cr.autograd.grad((gx * x).sum(), x)  # d/dx sum(mask * x) = mask
    assert_close(ggx, gx.detach().numpy())


@pytest.mark.parametrize("call, error, match", [
    (lambda: F.max_pool2d(cr.zeros(4, 4), 2), RuntimeError, r"max_pool2d: expected a 3-d .* got a tensor of shape \(4, 4\)"),
    (lambda: F.max_pool2d(cr.zeros(1, 1, 1, 4, 4), 2), RuntimeError, "max_pool2d: expected a 3-d"),
    (lambda: F.max_pool1d(cr.zeros(4), 2), RuntimeError, "max_pool1d: expected a 2-d"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), 0), RuntimeError, "max_pool2d: kernel_size must be greater than zero"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), -2), RuntimeError, "max_pool2d: kernel_size"),
    (lambda: F.avg_pool2d(cr.zeros(1, 4, 4), 2, stride=0), RuntimeError, "avg_pool2d: stride must be greater"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), 2, stride=-1), RuntimeError, "max_pool2d: stride"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), 2, dilation=0), RuntimeError, "max_pool2d: dilation"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), 2, padding=2), RuntimeError, "max_pool2d: padding should be at most half"),
    (lambda: F.avg_pool1d(cr.zeros(1, 4), 2, padding=-1), RuntimeError, "avg_pool1d: padding must be non-negative"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), 5), ValueError, r"max_pool2d: input of shape \(1, 4, 4\) is too small"),
    (lambda: F.avg_pool1d(cr.zeros(1, 3), 4), ValueError, "avg_pool1d: input of shape"),
    (lambda: F.max_pool2d(cr.zeros(1, 0, 4, 4), 2), RuntimeError, "max_pool2d: expected an input with non-zero"),
    (lambda: F.avg_pool2d(cr.zeros(1, 4, 4), 2, divisor_override=0), RuntimeError, "avg_pool2d: divisor_override"),
    (lambda: F.avg_pool2d(cr.zeros(1, 4, 4, dtype=cr.int64), 2), TypeError, "avg_pool2d: expected a float32"),
    (lambda: F.max_pool1d(cr.zeros(1, 4, dtype=cr.int64), 2), TypeError, "max_pool1d"),
    (lambda: F.max_pool2d(cr.zeros(1, 4, 4), (2, 2, 2)), ValueError, "max_pool2d: kernel_size"),
    (lambda: F.adaptive_avg_pool2d(cr.zeros(1, 4, 4), -1), RuntimeError, "adaptive_avg_pool2d: output_size must be >= 0"),
    (lambda: F.adaptive_max_pool2d(cr.zeros(1, 0, 4), 2), RuntimeError, "adaptive_max_pool2d: expected an input"),
    (lambda: F.adaptive_avg_pool1d(cr.zeros(4), 2), RuntimeError, "adaptive_avg_pool1d: expected a 2-d"),
    (lambda: F.adaptive_avg_pool2d(cr.zeros(1, 4, 4), (1, 2, 3)), ValueError, "adaptive_avg_pool2d: output_size"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
