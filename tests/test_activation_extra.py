"""prelu, tanhshrink, softshrink, hardshrink (chainrule.nn.functional.activation_composite):
gradcheck + gradgradcheck in float64 and parity with torch.nn.functional (check_op) over more
shapes, prelu's weight shapes and its kink, and bad input. The shrinks' kink and float32 checks
run with the other activations in test_activation.py."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

TF = torch.nn.functional if torch is not None else None

# (name, keyword arguments, input scale): random standard-normal points times the scale visit
# every branch and, with these seeds, are never within gradcheck's eps of a kink.
SHRINKS = [
    ("tanhshrink", {}, 2), ("softshrink", {}, 1), ("softshrink", {"lambd": 0.3}, 1),
    ("softshrink", {"lambd": 0.0}, 1), ("hardshrink", {}, 1), ("hardshrink", {"lambd": 1.2}, 2),
]
SHRINK_IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, _ in SHRINKS]


def _fn(lib_f, name, kwargs, scale):
    return lambda x: getattr(lib_f, name)(x * scale, **kwargs)


@pytest.mark.parametrize("name,kwargs,scale", SHRINKS, ids=SHRINK_IDS)
@pytest.mark.parametrize("shape", [(), (2, 3, 4)], ids=["0d", "3d"])  # (3, 5) is in test_activation.py
def test_shrink_gradients_and_parity(name, kwargs, scale, shape):
    check_op(_fn(F, name, kwargs, scale), [shape], torch_fn=_fn(TF, name, kwargs, scale) if TF else None)


# (input shape, weight shape): one shared slope, or one per channel (dim 1); 1-D and 0-d inputs
# have a single channel.
PRELU_SHAPES = [((4, 3), (3,)), ((2, 3, 5), (3,)), ((2, 3, 2, 4), (3,)), ((2, 3, 4), (1,)),
                ((5,), (1,)), ((), (1,)), ((2, 3), ())]


@pytest.mark.parametrize("x_shape,w_shape", PRELU_SHAPES, ids=[f"{x}-{w}" for x, w in PRELU_SHAPES])
def test_prelu_gradients_and_parity(x_shape, w_shape):
    check_op(lambda x, w: F.prelu(x, w), [x_shape, w_shape],
             torch_fn=(lambda x, w: TF.prelu(x, w)) if TF else None)


def test_empty_inputs_keep_their_shape():
    empty = cr.zeros(0, 3)
    for name in ("tanhshrink", "softshrink", "hardshrink"):
        assert tuple(getattr(F, name)(empty).shape) == (0, 3)
    assert tuple(F.prelu(empty, cr.full((3,), 0.25)).shape) == (0, 3)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_prelu_at_zero_takes_the_slope_like_pytorch(dtype):
    points = np.array([[-1e-7, 0.0, 1e-7], [-1.0, 0.0, 2.0]], dtype=dtype)
    slopes = np.array([0.25, -0.5, 2.0], dtype=dtype)
    x, w = cr.tensor(points, requires_grad=True), cr.tensor(slopes, requires_grad=True)
    tx, tw = torch.tensor(points, requires_grad=True), torch.tensor(slopes, requires_grad=True)
    F.prelu(x, w).sum().backward()
    TF.prelu(tx, tw).sum().backward()
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-7)
    assert_close(w.grad, tw.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_modules_call_the_functions():
    x = cr.tensor([[-2.0, -0.2, 0.2, 2.0]])
    assert_close(cr.nn.Softshrink(0.3)(x), F.softshrink(x, 0.3).numpy())
    assert_close(cr.nn.Hardshrink(0.3)(x), F.hardshrink(x, 0.3).numpy())
    assert_close(cr.nn.Tanhshrink()(x), F.tanhshrink(x).numpy())
    assert_close(cr.nn.PReLU()(x).detach(), np.array([[-0.5, -0.05, 0.2, 2.0]], dtype=np.float32))


def test_bad_input():
    x = cr.randn(2, 3)
    with pytest.raises(ValueError, match=r"prelu: weight has 2 elements, expected 1 or 3.*\(2, 3\)"):
        F.prelu(x, cr.ones(2))
    with pytest.raises(ValueError, match=r"prelu: weight has 3 elements, expected 1 or 1.*\(3,\)"):
        F.prelu(cr.randn(3), cr.ones(3))
    with pytest.raises(ValueError, match=r"prelu: expected weight to be a scalar or 1D.*\(3, 1\)"):
        F.prelu(x, cr.ones(3, 1))
    with pytest.raises(RuntimeError, match="prelu: input dtype .*float32.*weight dtype .*float64"):
        F.prelu(x, cr.ones(3, dtype=cr.float64))
    with pytest.raises(RuntimeError, match=r"softshrink: lambda must be in range \[0, 3.40282e\+38\] for input dtype "
                                          r"chainrule.float32, but found -1"):  # as PyTorch
        F.softshrink(x, -1)
    for name in ("prelu", "softshrink", "hardshrink"):  # tanhshrink takes integers, as PyTorch's
        args = (cr.ones(1, dtype=cr.int64),) if name == "prelu" else ()
        with pytest.raises(TypeError, match=rf"{name}: expected a float32 or float64 tensor.*int64"):
            getattr(F, name)(cr.tensor([[1, 2]]), *args)


@requires_torch
@pytest.mark.parametrize("name", ["relu", "leaky_relu", "hardtanh", "relu6", "threshold"])
def test_second_backward_reaches_the_input_of_piecewise_linear_activations_as_torch(name):
    # PyTorch's backward of these is an op of (grad, x): a gradient penalty through a LeakyReLU critic or the input
    # Hessian of a ReLU net differentiates it again and gets zeros for x, where chainrule found x unused
    results = []
    for lib in (cr, torch):
        lib.manual_seed(0)
        x = lib.tensor([[-2.0, -0.5, 0.5, 2.0]], requires_grad=True)
        bias = lib.zeros(4, requires_grad=True)
        f = getattr(lib.nn.functional, name)

        def forward():
            return (f(x + bias, 0.1, 0.0) if name == "threshold" else f(x + bias)).sum()

        g, = lib.autograd.grad(forward(), x, create_graph=True)
        (g ** 2).sum().backward()
        second, = lib.autograd.grad(lib.autograd.grad(forward(), x, create_graph=True)[0].sum(), x)
        results.append((g.requires_grad, bias.grad.tolist(), second.tolist()))
    assert results[0] == results[1]


@requires_torch
def test_input_hessian_of_a_relu_net_is_zero_as_torch():
    sums = []
    for lib in (cr, torch):
        lib.manual_seed(0)
        net = lib.nn.Sequential(lib.nn.Linear(3, 8), lib.nn.ReLU(), lib.nn.Linear(8, 8), lib.nn.LeakyReLU(0.2),
                                lib.nn.Linear(8, 1))
        x = lib.randn(5, 3, requires_grad=True)
        g, = lib.autograd.grad(net(x).sum(), x, create_graph=True)
        h, = lib.autograd.grad(g.sum(), x)
        sums.append(h.abs().sum().item())
    assert sums == [0.0, 0.0]
