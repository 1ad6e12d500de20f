"""In-place ops on a non-leaf inside the autograd graph: y = x * 1; y.op_(...); backward gives PyTorch's
gradients. div_ and the in-place forms composed as "compute, then copy into self" (hypot_, copysign_,
renorm_, addmm_, lerp_, ...) must not save the self they overwrite (pytorch/examples' fast_neural_style
normalizes its output with batch.div_(255.0) before the loss)."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch

IN_PLACE = {
    "div_number": lambda lib, y, z: y.div_(255.0),
    "div_tensor": lambda lib, y, z: y.div_(z),
    "true_divide_": lambda lib, y, z: y.true_divide_(z),
    "hypot_": lambda lib, y, z: y.hypot_(z),
    "copysign_": lambda lib, y, z: y.copysign_(z - 2),
    "deg2rad_": lambda lib, y, z: y.deg2rad_(),
    "renorm_": lambda lib, y, z: y.renorm_(2, 0, 1.0),
    "addmm_": lambda lib, y, z: y.addmm_(z, z.t()),
    "lerp_tensor_weight": lambda lib, y, z: y.lerp_(z, z / 10),
    "clamp_tensor_bounds": lambda lib, y, z: y.clamp_(min=z - 1.5, max=z),
}


def _gradients(lib, name, other_requires_grad):
    x = lib.tensor(np.linspace(0.5, 2.0, 9).reshape(3, 3), requires_grad=True)
    z = lib.tensor(np.linspace(1.0, 3.0, 9).reshape(3, 3), requires_grad=other_requires_grad)
    y = x * 1
    IN_PLACE[name](lib, y, z)
    (y * y).sum().backward()
    return x.grad.numpy(), (np.zeros((3, 3)) if z.grad is None else z.grad.numpy())  # None: z had no effect


@pytest.mark.parametrize("other_requires_grad", [False, True])
@pytest.mark.parametrize("name", list(IN_PLACE))
def test_in_place_op_on_a_non_leaf_gives_pytorchs_gradients(name, other_requires_grad):
    got_x, got_z = _gradients(cr, name, other_requires_grad)
    want_x, want_z = _gradients(torch, name, other_requires_grad)
    np.testing.assert_allclose(got_x, want_x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_z, want_z, rtol=1e-5, atol=1e-6)


def test_an_operand_that_requires_grad_is_not_overwritten_before_its_backward():
    # only the other operand requires grad: hypot saves self for z's gradient, and self is then written
    for lib in (cr, torch):
        y, z = lib.full((3,), 3.0), lib.full((3,), 4.0, requires_grad=True)
        y.hypot_(z).sum().backward()
        np.testing.assert_allclose(z.grad.numpy(), np.full(3, 0.8), rtol=1e-6)


OVERWRITE = {
    "fill_": lambda lib, y: y.fill_(2.0),
    "zero_": lambda lib, y: y.zero_(),
    "copy_": lambda lib, y: y.copy_(lib.ones(3)),
    "normal_": lambda lib, y: y.normal_(),
    "uniform_": lambda lib, y: y.uniform_(),
    "bernoulli_": lambda lib, y: y.bernoulli_(0.5),
    "exponential_": lambda lib, y: y.exponential_(),
    "random_": lambda lib, y: y.random_(0, 5),
}


@pytest.mark.parametrize("name", list(OVERWRITE))
def test_overwriting_every_value_keeps_requires_grad_and_gives_the_old_values_zero_gradient(name):
    # as PyTorch: y stays in the graph (y.requires_grad), and what it held before gets no gradient
    for lib in (cr, torch):
        x = lib.tensor([0.5, 1.0, 1.5], requires_grad=True)
        y = x * 2
        OVERWRITE[name](lib, y)
        assert y.requires_grad and y.grad_fn is not None
        (y * 3).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(3))


def test_overwriting_a_leaf_that_requires_grad_is_refused_as_in_pytorch():
    for lib in (cr, torch):
        with pytest.raises(RuntimeError, match="leaf"):
            lib.ones(3, requires_grad=True).bernoulli_(0.5)
