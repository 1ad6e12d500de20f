"""Third-order gradients through indexing: the backward of slice/select's backward is recorded too.

torch.autograd.functional.hvp (the double-vjp trick) differentiates the gradient of a gradient with
respect to its grad_outputs; through x[0] * x[1] chainrule lost the cross term (the slice taken in
SliceBackwardBackward0 was not recorded). Compared with PyTorch.
"""
import pytest

import chainrule
from conftest import requires_torch, torch

FUNCTIONS = {
    "select": lambda x: x[0] * x[1] + (x ** 3).sum(),
    "slice": lambda x: (x[:2] * x[1:]).sum(),
    "strided_slice": lambda x: (x[::2] * x[1]).sum(),
    "flip_dot": lambda x: x @ x.flip(0),
}


@requires_torch
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("op", ["hvp", "vhp"])
def test_hessian_vector_products_match_torch(name, op):
    def product(lib):
        x = lib.tensor([1.0, 2.0, 3.0])
        v = lib.tensor([1.0, 0.5, -1.0])
        return getattr(lib.autograd.functional, op)(FUNCTIONS[name], x, v)[1].tolist()
    assert product(chainrule) == pytest.approx(product(torch))


@requires_torch
def test_gradient_of_select_backward_reaches_its_grad_output():
    def grads(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor(2.0, requires_grad=True)
        gx, = lib.autograd.grad(x[0] * w, x, create_graph=True)
        u = lib.tensor([1.0, 10.0, 100.0], requires_grad=True)
        gw, = lib.autograd.grad(gx, w, u, create_graph=True)
        gu, = lib.autograd.grad(gw, u)
        return gw.item(), gu.tolist()
    assert grads(chainrule) == grads(torch)
