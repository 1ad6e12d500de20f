"""In-place ops on views inside the autograd graph (CopySlices): the base gets the gradient of what
was written through the view, every view of it reads the new history, and the cases PyTorch refuses
raise. Each scenario runs the same code on chainrule and PyTorch and compares all gradients."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import gradcheck, gradgradcheck
from conftest import requires_torch, torch


def write_first_row(lib, x, z):
    y = x * 1
    y[0].mul_(2)
    return (y * y).sum()


def add_into_a_column(lib, x, z):
    y = x.sin()  # sin saves its input, so its output may be written
    y[:, 1].add_(z[:3])
    return (y ** 2).sum()


def sibling_view_reads_the_write(lib, x, z):
    y = x * 1
    row, column = y[0], y[:, 0]  # both made before the write; they share y[0, 0]
    row.mul_(3)
    return (column * column).sum() + row.sum()


def view_of_a_view(lib, x, z):
    y = x * 2
    y[1:].t()[0].mul_(z[0])
    return (y * x).sum()


def write_into_the_base_seen_by_an_old_view(lib, x, z):
    y = x * 1
    view = y[1]
    y.mul_(z[0])
    return (view * view).sum()


def copy_into_a_buffer_that_requires_no_grad(lib, x, z):
    buffer = lib.zeros(3, 4, dtype=x.dtype)
    buffer[1].copy_(x[0] * 2)
    buffer[:, 2] += z[:3]
    return (buffer * buffer).sum()


def setitem_on_a_view(lib, x, z):
    y = x.sin()
    row = y[2]
    row[1:3] = z[:2] * 5
    return (y ** 3).sum()


def chained_writes(lib, x, z):
    y = x * 1
    y[0].mul_(2)
    y[:, 1].add_(z[:3])
    y[0].relu_()
    return y.sum() + (y * y).sum()


SCENARIOS = [write_first_row, add_into_a_column, sibling_view_reads_the_write, view_of_a_view,
             write_into_the_base_seen_by_an_old_view, copy_into_a_buffer_that_requires_no_grad,
             setitem_on_a_view, chained_writes]


def run(lib, fn, x_np, z_np):
    x = lib.tensor(x_np, requires_grad=True)
    z = lib.tensor(z_np, requires_grad=True)
    out = fn(lib, x, z)
    out.backward()
    return out.item(), x.grad.numpy(), None if z.grad is None else z.grad.numpy()


@requires_torch
@pytest.mark.parametrize("fn", SCENARIOS, ids=lambda f: f.__name__)
def test_gradients_match_pytorch(fn):
    rng = np.random.default_rng(0)
    x, z = rng.standard_normal((3, 4)), rng.standard_normal(4)
    ours, theirs = run(cr, fn, x, z), run(torch, fn, x, z)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-10, atol=1e-12)
    if theirs[2] is None:
        assert ours[2] is None
    else:
        np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("fn", SCENARIOS, ids=lambda f: f.__name__)
def test_gradients_and_second_derivatives_check_numerically(fn):
    rng = np.random.default_rng(1)
    inputs = [cr.tensor(rng.standard_normal((3, 4)), requires_grad=True),
              cr.tensor(rng.standard_normal(4), requires_grad=True)]
    assert gradcheck(lambda x, z: fn(cr, x, z), inputs)
    assert gradgradcheck(lambda x, z: fn(cr, x, z), inputs)


def test_the_base_and_the_view_get_their_new_grad_fns():
    x = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    y = x * 1
    view = y[0]
    assert view.grad_fn.name() == "SelectBackward0"
    view.mul_(2)
    assert y.grad_fn.name() == "CopySlices"
    assert view.grad_fn.name() == "AsStridedBackward0"
    assert view._version == y._version


def test_a_view_of_a_leaf_that_requires_grad_cannot_be_written():
    x = cr.randn(3, 4, requires_grad=True)
    with pytest.raises(RuntimeError, match="mul_: a view of a leaf tensor that requires grad"):
        x[0].mul_(2)
    with cr.no_grad():
        x[0].mul_(2)  # an update outside the graph is fine


def test_a_view_made_under_no_grad_cannot_be_written_in_the_graph():
    x = cr.randn(3, 4, requires_grad=True)
    y = x * 1
    with cr.no_grad():
        view = y[0]
    assert not view.requires_grad
    with pytest.raises(RuntimeError, match="add_: this view was created under no_grad"):
        view.add_(x[1])


def test_writing_a_saved_tensor_through_a_view_still_raises():
    x = cr.randn(3, dtype=cr.float64, requires_grad=True)
    y = x * 1
    out = y.exp()  # exp saves its output
    out[0].mul_(2)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        out.sum().backward()
