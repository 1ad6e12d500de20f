"""autograd.forward_ad against PyTorch: tangents (Jacobian-vector products) of elementwise ops,
an MLP with two dual inputs, a convolution, softmax; outputs that do not depend on a dual; the
errors and the level's lifetime."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch


def arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=s) for s in shapes]


def jvp(lib, f, primals, tangents):
    fwAD = lib.autograd.forward_ad
    with fwAD.dual_level():
        duals = [fwAD.make_dual(lib.tensor(p), lib.tensor(t)) for p, t in zip(primals, tangents)]
        out = fwAD.unpack_dual(f(lib, *duals))
        return out.primal.detach().numpy(), None if out.tangent is None else out.tangent.numpy()


CASES = {
    "elementwise": (lambda lib, x: (x.sin() * x.exp() + x ** 3 / (1 + x * x)).tanh(), [(3, 4)]),
    "mlp": (lambda lib, x, w: lib.nn.functional.gelu(x @ w).pow(2).mean(1), [(5, 3), (3, 4)]),
    "conv": (lambda lib, x, w: lib.nn.functional.max_pool2d(lib.nn.functional.conv2d(x, w, padding=1), 2),
             [(2, 3, 6, 6), (4, 3, 3, 3)]),
    "softmax": (lambda lib, x: lib.log_softmax(x, dim=1) * lib.softmax(x, dim=0), [(4, 5)]),
    "reductions": (lambda lib, x: lib.stack([x.sum(), x.norm(), x.max(), x.var()]), [(3, 5)]),
}


@pytest.mark.parametrize("name", CASES)
def test_tangents_match_pytorch(name):
    f, shapes = CASES[name]
    primals = arrays(*shapes, seed=1)
    tangents = arrays(*shapes, seed=2)
    ours, theirs = jvp(cr, f, primals, tangents), jvp(torch, f, primals, tangents)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-8, atol=1e-10)


def test_outputs_without_a_dual_and_outside_a_level():
    for lib in (cr, torch):
        fwAD = lib.autograd.forward_ad
        x = lib.tensor([1.0, 2.0])
        assert fwAD.unpack_dual(x).tangent is None
        with fwAD.dual_level():
            dual = fwAD.make_dual(x, lib.tensor([1.0, 0.0]))
            assert fwAD.unpack_dual(x * 2).tangent is None
            assert fwAD.unpack_dual(dual).tangent.tolist() == [1.0, 0.0]
            y = (dual * dual).sum()
            assert fwAD.unpack_dual(y).tangent.item() == 2.0
            assert fwAD.unpack_dual(y)._fields == ("primal", "tangent")
        assert fwAD.unpack_dual(y).tangent is None  # the level's tangents are gone


def test_a_dual_of_a_tensor_that_requires_grad_keeps_reverse_mode():
    x = cr.tensor([0.5, -1.0], requires_grad=True)
    fwAD = cr.autograd.forward_ad
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, cr.tensor([1.0, 1.0]))
        y = (dual.exp() * dual).sum()
        tangent = fwAD.unpack_dual(y).tangent
        y.backward()
    expected = ((x.detach().exp() * (1 + x.detach()))).numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(tangent.item(), expected.sum(), rtol=1e-6)


@requires_torch
def test_tangents_stay_differentiable_where_they_reach_a_tensor_that_requires_grad():
    # forward-over-reverse as PyTorch allows it: d/dx of the tangent of x**2 (2x v), and a layer's
    # tangent (W v) differentiable w.r.t. W; a tangent of plain tensors does not require grad.
    def run(lib):
        fwAD = lib.autograd.forward_ad
        lib.manual_seed(0)
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        weight = lib.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]], requires_grad=True)
        with fwAD.dual_level():
            squared = fwAD.unpack_dual(fwAD.make_dual(x, lib.ones(3)) ** 2).tangent
            layer = fwAD.unpack_dual(fwAD.make_dual(x.detach(), lib.ones(3)) @ weight.t()).tangent
            plain = fwAD.unpack_dual(fwAD.make_dual(x.detach(), lib.ones(3)) ** 2).tangent
        assert squared.requires_grad and layer.requires_grad and not plain.requires_grad
        (squared.sum() + (layer ** 2).sum()).backward()
        return x.grad.numpy(), weight.grad.numpy(), layer.detach().numpy()
    for ours, theirs in zip(run(cr), run(torch)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def test_errors_as_pytorch():
    for lib in (cr, torch):
        fwAD = lib.autograd.forward_ad
        with pytest.raises(RuntimeError, match="no level exists"):
            fwAD.make_dual(lib.ones(2), lib.ones(2))
        with fwAD.dual_level():
            with pytest.raises(RuntimeError, match="different size than that of the original Tensor"):
                fwAD.make_dual(lib.ones(2), lib.ones(3))


def test_the_tangent_is_kept_as_given_or_copied_to_the_primals_layout():
    # as the forward-AD tutorial asserts
    for lib in (cr, torch):
        fwAD = lib.autograd.forward_ad
        primal, tangent = lib.randn(4, 4), lib.randn(4, 4)
        with fwAD.dual_level():
            assert fwAD.unpack_dual(fwAD.make_dual(primal, tangent)).tangent is tangent
            copied = fwAD.unpack_dual(fwAD.make_dual(primal, tangent.T)).tangent
            assert copied is not tangent and copied.tolist() == tangent.T.tolist()


def test_a_function_with_jvp_and_gradcheck_of_forward_mode():
    results = []
    for lib in (cr, torch):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.result = lib.exp(x)
                return ctx.result

            @staticmethod
            def jvp(ctx, tangent):
                return tangent * ctx.result

        fwAD = lib.autograd.forward_ad
        x = lib.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([[1.0, 2.0], [0.5, -1.0]], dtype=lib.float64)
        with fwAD.dual_level():
            out = Exp.apply(fwAD.make_dual(x, v)) * 3  # an op after the Function carries its tangent on
            results.append(fwAD.unpack_dual(out).tangent.tolist())
        assert lib.autograd.gradcheck(Exp.apply, (x,), check_forward_ad=True, check_backward_ad=False,
                                      check_undefined_grad=False, check_batched_grad=False)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_gradcheck_of_forward_mode_catches_a_wrong_jvp():
    class WrongExp(cr.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return cr.exp(x)

        @staticmethod
        def jvp(ctx, tangent):
            return tangent * 2

    x = cr.tensor([0.5], dtype=cr.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="forward Jacobian mismatch"):  # GradcheckError
        cr.autograd.gradcheck(WrongExp.apply, (x,), check_forward_ad=True, check_backward_ad=False)
    assert cr.autograd.gradcheck(lambda t: (t * t).sin(), (x,), check_forward_ad=True)
