"""A second backward through nodes that saved no tensor works without retain_graph, as in PyTorch.

PINN programs build `x = torch.tensor(X, requires_grad=True).float()` once and backpropagate through
its ToCopyBackward0 every iteration; nodes that saved tensors still refuse a second backward.
"""
import pytest

import chainrule
from conftest import requires_torch, torch

# Each builds z from a leaf y; z's grad_fn saves nothing (torch and chainrule alike).
NOTHING_SAVED = {
    "to_dtype": lambda lib, y: y.double(),
    "add": lambda lib, y: y + 1,
    "sub_tensor": lambda lib, y: y - lib.ones(3),
    "neg": lambda lib, y: -y,
    "sum": lambda lib, y: y.sum(),
    "expand": lambda lib, y: y.expand(2, 3),
    "cat": lambda lib, y: lib.cat([y, y]),
    "clone": lambda lib, y: y.clone(),
    "slice": lambda lib, y: y[1:],
}
# Each builds z whose grad_fn saved a tensor: the second backward raises in both libraries.
SAVED = {
    "exp": lambda lib, y: y.exp(),
    "mul_tensors": lambda lib, y: y * y,
}


def backward_twice(lib, build):
    y = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = build(lib, y)
    for _ in range(2):
        (z * 3).sum().backward()
    return y.grad.tolist()


@requires_torch
@pytest.mark.parametrize("name", sorted(NOTHING_SAVED))
def test_second_backward_through_node_without_saved_tensors(name):
    assert backward_twice(chainrule, NOTHING_SAVED[name]) == backward_twice(torch, NOTHING_SAVED[name])


@requires_torch
@pytest.mark.parametrize("name", sorted(SAVED))
def test_second_backward_through_node_with_saved_tensors_raises(name):
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        backward_twice(torch, SAVED[name])
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        backward_twice(chainrule, SAVED[name])


@requires_torch
def test_pinn_input_converted_once_trains_every_step():
    # jayroxis/PINNs: the float copy of a float64 leaf is made once and used in each step's loss
    def losses(lib):
        lib.manual_seed(0)
        x = lib.tensor([[0.1], [0.5], [0.9]], dtype=lib.float64, requires_grad=True).float()
        w = lib.nn.Parameter(lib.tensor([[0.5]]))
        out = []
        for _ in range(3):
            u = lib.tanh(x @ w)
            u_x = lib.autograd.grad(u, x, lib.ones_like(u), create_graph=True)[0]
            loss = (u_x ** 2).mean()
            loss.backward()
            with lib.no_grad():
                w -= 0.1 * w.grad
            w.grad = None
            out.append(loss.item())
        return out
    assert losses(chainrule) == pytest.approx(losses(torch), rel=1e-6)
