"""nn.utils.parametrizations.orthogonal against PyTorch (float64): each map (matrix_exp, cayley,
householder) on square, tall and wide weights gives PyTorch's weight and gradients when both start
from the same base; the weight stays orthogonal through training; assignment, use_trivialization=False,
state_dict keys and errors as PyTorch's."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, requires_torch, torch

pytestmark = requires_torch
RNG = np.random.default_rng(0)
SQUARE, TALL = RNG.standard_normal((5, 5)), RNG.standard_normal((6, 3))
X = RNG.standard_normal((2, 6))


def orthogonal_linear(lib, weight, orthogonal_map, **kwargs):
    layer = lib.nn.Linear(weight.shape[1], weight.shape[0], bias=False).double()
    with lib.no_grad():
        layer.weight.copy_(lib.tensor(weight))
    return lib.nn.utils.parametrizations.orthogonal(layer, orthogonal_map=orthogonal_map, **kwargs)


@pytest.mark.parametrize("weight", [SQUARE, TALL, TALL.T.copy()], ids=["square", "tall", "wide"])
@pytest.mark.parametrize("orthogonal_map", ["matrix_exp", "cayley", "householder"])
def test_weights_and_gradients_are_pytorchs(weight, orthogonal_map):
    theirs = orthogonal_linear(torch, weight, orthogonal_map)
    ours = orthogonal_linear(cr, weight, orthogonal_map)
    with torch.no_grad(), cr.no_grad():  # a non-square base is completed with random columns: share it
        ours.parametrizations.weight[0].base.copy_(cr.tensor(theirs.parametrizations.weight[0].base.numpy()))
        for layer, lib in ((theirs, torch), (ours, cr)):
            layer.parametrizations.weight.original.add_(lib.tensor(np.full(weight.shape, 0.1)))
    for layer, lib in ((theirs, torch), (ours, cr)):
        (layer(lib.tensor(X[:, :weight.shape[1]])) ** 3).sum().backward()
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(ours.parametrizations.weight.original.grad.numpy(),
                               theirs.parametrizations.weight.original.grad.numpy(), atol=1e-11)


def test_a_square_weight_starts_as_pytorchs_and_stays_orthogonal_while_training():
    theirs, ours = orthogonal_linear(torch, SQUARE, None), orthogonal_linear(cr, SQUARE, None)
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-12)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    opt = cr.optim.SGD(ours.parameters(), lr=0.1)
    for _ in range(5):
        opt.zero_grad()
        (ours(cr.tensor(X[:, :5])) ** 2).sum().backward()
        opt.step()
    w = ours.weight.detach().numpy()
    np.testing.assert_allclose(w.T @ w, np.eye(5), atol=1e-12)


def test_assigning_a_matrix_orthogonalizes_it_as_pytorch():
    q = np.linalg.qr(RNG.standard_normal((4, 4)))[0]
    layers = [orthogonal_linear(lib, SQUARE[:4, :4], "cayley") for lib in (cr, torch)]
    for layer, lib in zip(layers, (cr, torch)):
        layer.weight = lib.tensor(q)
    np.testing.assert_allclose(layers[0].weight.detach().numpy(), layers[1].weight.detach().numpy(), atol=1e-12)


def test_householder_without_trivialization_is_pytorchs():
    theirs = orthogonal_linear(torch, TALL, "householder", use_trivialization=False)
    ours = orthogonal_linear(cr, TALL, "householder", use_trivialization=False)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("call", [
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="qr"),
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), name="nope"),
    lambda lib: lib.nn.utils.parametrizations.orthogonal(lib.nn.BatchNorm1d(3)),
    lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3), orthogonal_map="cayley",
                                                                 use_trivialization=False), "weight", lib.eye(3)),
    lambda lib: setattr(lib.nn.utils.parametrizations.orthogonal(lib.nn.Linear(3, 3)), "weight", lib.eye(4)),
])
def test_errors_are_pytorchs(call):
    assert_same_error(lambda: call(cr), lambda: call(torch), prefix=30)
