"""torch.gradient (chainrule/_functions/numerical_gradient.py) against PyTorch: uniform and per-dim
spacing, sample coordinates, edge orders 1 and 2, dims, integer input, gradients through it to the
values and the coordinates (and a float64 gradcheck), and PyTorch's errors."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

VALUES = np.random.default_rng(0).standard_normal((4, 5, 3))
COORDINATES = [np.array([0.0, 0.5, 1.7, 2.0]), np.array([-1.0, 0.0, 0.3, 1.1, 3.0]), np.array([0.0, 2.0, 2.5])]


def _both(make):
    """make(lib, tensor) on chainrule and on PyTorch."""
    return make(cr, cr.tensor), make(torch, torch.tensor)


@requires_torch
@pytest.mark.parametrize("edge_order", [1, 2])
@pytest.mark.parametrize("arguments", [
    lambda lib, t: dict(),
    lambda lib, t: dict(spacing=0.5),
    lambda lib, t: dict(spacing=t(2.0)),
    lambda lib, t: dict(spacing=[1.0, 2.0, 0.5]),
    lambda lib, t: dict(dim=1),
    lambda lib, t: dict(dim=-1, spacing=[3.0]),
    lambda lib, t: dict(dim=(2, 0), spacing=2.0),
    lambda lib, t: dict(spacing=[t(c) for c in COORDINATES]),
    lambda lib, t: dict(dim=[1], spacing=[t(COORDINATES[1])]),
], ids=["default", "scalar", "0-d", "per-dim", "dim", "negative-dim", "dims", "coordinates", "dim-coordinates"])
def test_matches_torch(arguments, edge_order):
    ours, theirs = _both(lambda lib, t: lib.gradient(t(VALUES), edge_order=edge_order, **arguments(lib, t)))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert_close(a, b.numpy(), rtol=1e-12, atol=1e-12)


@requires_torch
def test_integer_input_and_float32_dtype_as_torch():
    ours, theirs = _both(lambda lib, t: lib.gradient(t([1, 4, 9, 16, 30])))
    assert ours[0].dtype == cr.float32 and theirs[0].dtype == torch.float32
    assert ours[0].tolist() == theirs[0].tolist()
    ours, theirs = _both(lambda lib, t: lib.gradient(t([1.0, 4.0, 9.0, 16.0]), spacing=[t(COORDINATES[0])]))
    assert str(ours[0].dtype).split(".")[1] == str(theirs[0].dtype).split(".")[1]


@requires_torch
@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradients_reach_values_and_coordinates(edge_order):
    grads = []
    for lib in (cr, torch):
        values = lib.tensor(VALUES[:, 0, 0], requires_grad=True)
        coordinates = lib.tensor(COORDINATES[0], requires_grad=True)
        (out,) = lib.gradient(values ** 2, spacing=[coordinates], edge_order=edge_order)
        (out * lib.tensor([1.0, -2.0, 0.5, 3.0])).sum().backward()
        grads.append((values.grad, coordinates.grad))
    for ours, theirs in zip(*grads):
        assert_close(ours, theirs.numpy(), rtol=1e-12, atol=1e-12)


def test_gradcheck():
    values = cr.tensor(VALUES[:, :, 0], requires_grad=True)
    coordinates = cr.tensor(COORDINATES[1], requires_grad=True)
    assert cr.autograd.gradcheck(lambda v, c: cr.gradient(v, spacing=[c], dim=1, edge_order=2)[0],
                                 (values, coordinates))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda lib, x: lib.gradient(x, edge_order=3),
    lambda lib, x: lib.gradient(x, dim=[0, 0]),
    lambda lib, x: lib.gradient(x, spacing=[1.0, 2.0]),
    lambda lib, x: lib.gradient(x, dim=1, spacing=[1.0, 2.0]),
    lambda lib, x: lib.gradient(x[:1], dim=0),
    lambda lib, x: lib.gradient(x[:2], dim=0, edge_order=2),
    lambda lib, x: lib.gradient(x, dim=3),
])
def test_errors_as_torch(call):
    with pytest.raises(Exception) as want:
        call(torch, torch.tensor(VALUES))
    with pytest.raises(type(want.value)) as got:
        call(cr, cr.tensor(VALUES))
    assert str(got.value) == str(want.value)
