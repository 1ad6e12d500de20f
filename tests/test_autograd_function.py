"""User-defined autograd.Function: forward/backward with ctx, saved tensors, needs_input_grad, once_differentiable;
gradcheck's keyword options."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function, gradcheck
from conftest import assert_same_error, requires_torch, torch


class Cube(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return 3 * x * x * grad


class ScaleAdd(Function):
    """y = a * alpha + b, with a non-tensor argument in the middle."""

    @staticmethod
    def forward(ctx, a, alpha, b):
        ctx.alpha = alpha
        return a * alpha + b

    @staticmethod
    def backward(ctx, grad):
        assert ctx.needs_input_grad == (True, False, True)
        return grad * ctx.alpha, None, grad


def test_custom_function_gradients_pass_gradcheck():
    x = cr.randn(3, 4, dtype=cr.float64, requires_grad=True)
    assert gradcheck(Cube.apply, (x,))
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"


def test_custom_function_with_a_non_tensor_argument():
    a = cr.randn(3, dtype=cr.float64, requires_grad=True)
    b = cr.randn(3, dtype=cr.float64, requires_grad=True)
    ScaleAdd.apply(a, 2.5, b).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.full(3, 2.5))
    np.testing.assert_allclose(b.grad.numpy(), np.ones(3))


def test_custom_function_composes_with_builtin_ops_and_double_backward():
    x = cr.randn(4, dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad(Cube.apply(x.sin()).sum(), x, create_graph=True)
    (h,) = cr.autograd.grad(g.sum(), x)
    xv = x.detach().numpy()
    expected = 6 * np.sin(xv) * np.cos(xv) ** 2 - 3 * np.sin(xv) ** 3  # d/dx of 3 sin^2 cos
    np.testing.assert_allclose(h.numpy(), expected, rtol=1e-10)


def test_saved_tensor_modified_in_place_raises():
    x = cr.randn(3, dtype=cr.float64, requires_grad=True)
    h = x * 1
    y = Cube.apply(h)
    with cr.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="Cube: saved tensor 0 was modified"):
        y.sum().backward()


def test_wrong_number_of_gradients_is_a_clear_error():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a = cr.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"function BadBackward returned an incorrect number of gradients \(expected 2, got 1\)"):
        Bad.apply(a, a).sum().backward()


@requires_torch
@pytest.mark.parametrize("returned", [lambda g: g, lambda g: (g, g)])
def test_gradients_for_numbers_are_checked_as_pytorchs(returned):
    def run(lib):
        class Scale(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, grad):
                return returned(grad)
        Scale.apply(lib.ones(2, requires_grad=True), 2.0).sum().backward()
    assert_same_error(lambda: run(cr), lambda: run(torch), renamed=True)


@requires_torch
def test_a_custom_functions_grad_fn_reads_its_ctx_as_pytorchs():
    """PyTorch's grad_fn of a custom Function is its ctx: attributes forward set, saved_tensors,
    needs_input_grad; next_functions has one entry per tensor argument."""
    def run(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x, k, w):
                y = x.exp() * k
                ctx.save_for_backward(y)
                ctx.k = k
                return y * w

            @staticmethod
            def backward(ctx, grad):
                y, = ctx.saved_tensors
                return grad * y, None, None

        x = lib.ones(3, requires_grad=True)
        out = Exp.apply(x, 2.0, lib.ones(3))
        fn = out.grad_fn
        seen = (type(fn).__name__, fn.k, fn.needs_input_grad, [tuple(t.shape) for t in fn.saved_tensors],
                [None if f is None else type(f).__name__ for f, _ in fn.next_functions])
        with pytest.raises(AttributeError):
            fn.missing
        out.sum().backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
            fn.saved_tensors
        return seen
    assert run(cr) == run(torch)


def test_no_graph_when_no_input_requires_grad():
    y = Cube.apply(cr.randn(3))
    assert y.grad_fn is None and not y.requires_grad


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_once_differentiable_backward_runs_once_and_refuses_a_second_order(lib):
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    once_differentiable = m.autograd.function.once_differentiable

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert not m.is_grad_enabled()  # the backward runs without recording
            return 3 * x * x * grad

    x = m.tensor([1.0, 2.0], requires_grad=True)
    Cube.apply(x).sum().backward()
    assert x.grad.tolist() == [3.0, 12.0]
    v = m.ones(2, requires_grad=True)
    (g,) = m.autograd.grad(Cube.apply(x), x, grad_outputs=v, create_graph=True)
    assert g.tolist() == [3.0, 12.0] and g.requires_grad
    with pytest.raises(RuntimeError, match="trying to differentiate twice a function that was marked with "
                                           "@once_differentiable"):
        g.sum().backward()


@pytest.mark.parametrize("lib", ["chainrule", "torch"])
def test_gradcheck_takes_torchs_keyword_options(lib):
    """The options custom-op tests pass (fast_mode, nondet_tol, check_undefined_grad, check_grad_dtypes,
    check_batched_grad, check_backward_ad), for gradcheck and gradgradcheck, by keyword as in torch."""
    if lib == "torch" and torch is None:
        pytest.skip("PyTorch is not installed")
    m = cr if lib == "chainrule" else torch
    x = m.tensor([0.3, -1.2, 2.0], dtype=m.float64, requires_grad=True)
    options = dict(eps=1e-6, atol=1e-4, nondet_tol=1e-7, fast_mode=True, check_undefined_grad=False,
                   check_grad_dtypes=True, check_batched_grad=False)
    assert m.autograd.gradcheck(lambda t: (t ** 3).sin(), (x,), **options)
    assert m.autograd.gradgradcheck(lambda t: (t ** 3).sin(), (x,), **options)
    assert m.autograd.gradcheck(func=lambda t: t * 2, inputs=(x,), check_backward_ad=True)


def test_gradcheck_with_fast_mode_still_finds_a_wrong_backward_and_refuses_forward_mode_checks():
    class WrongCube(Function):
        forward = staticmethod(Cube.forward)

        @staticmethod
        def backward(ctx, grad):
            (t,) = ctx.saved_tensors
            return 2 * t * grad

    x = cr.tensor([0.5], dtype=cr.float64, requires_grad=True)
    assert not cr.autograd.gradcheck(WrongCube.apply, (x,), raise_exception=False, fast_mode=True)
    with pytest.raises(NotImplementedError, match="check_batched_forward_grad=True is not supported"):
        cr.autograd.gradcheck(lambda t: t * 2, (x,), check_batched_forward_grad=True)
    with pytest.raises(NotImplementedError, match="check_fwd_over_rev=True is not supported"):
        cr.autograd.gradgradcheck(lambda t: t * t, (x,), check_fwd_over_rev=True)
    with pytest.raises(NotImplementedError, match="masked=True is for sparse inputs"):
        cr.autograd.gradcheck(lambda t: t * 2, (x,), masked=True)


def saved_output_functions(lib):
    """Exp saves its output; Sinh saves intermediates it also returns (the double-backward tutorial's)."""
    class Exp(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = lib.exp(x)
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            return result * grad_out

    class Sinh(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            expx, expnegx = lib.exp(x), lib.exp(-x)
            ctx.save_for_backward(expx, expnegx)
            return (expx - expnegx) / 2, expx, expnegx

        @staticmethod
        def backward(ctx, grad_out, grad_exp, grad_negexp):
            expx, expnegx = ctx.saved_tensors
            return grad_out * (expx + expnegx) / 2 + grad_exp * expx - grad_negexp * expnegx

    return Exp.apply, lambda x: Sinh.apply(x)[0]


@pytest.mark.parametrize("which", [0, 1])
@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_saved_outputs_carry_the_functions_history_into_double_backward(lib, which):
    """A saved output unpacks in backward with the function's node as grad_fn, so the second derivative
    includes d(output)/dx (it was 0 when saved outputs were unpacked detached)."""
    fn = saved_output_functions(lib)[which]
    x = lib.tensor([0.3, -1.2, 2.0], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad(fn(x).sum(), x, create_graph=True)
    (gg,) = lib.autograd.grad(g.sum(), x)
    expected = np.exp([0.3, -1.2, 2.0]) if which == 0 else np.sinh([0.3, -1.2, 2.0])
    np.testing.assert_allclose(gg.detach().numpy(), expected, rtol=1e-12)
    assert lib.autograd.gradgradcheck(fn, (x,))


def test_saved_output_sees_its_grad_fn_only_inside_backward():
    seen = []

    class Recording(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_out):
            (result,) = ctx.saved_tensors
            seen.append((result.grad_fn.name(), result.requires_grad))
            return result * grad_out

    x = cr.tensor([1.0], requires_grad=True)
    out = Recording.apply(x)
    out.backward()
    assert seen == [("RecordingBackward", True)]
    assert out.grad_fn.name() == "RecordingBackward"


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_extra_none_gradients_are_dropped_but_extra_tensors_are_an_error(lib):
    """The conv-bn tutorial's backward returns 7 gradients (the rest None) for a call with 2 inputs."""
    class Scale(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x, factor=3.0):
            ctx.factor = factor
            return x * factor

        @staticmethod
        def backward(ctx, grad):
            return grad * ctx.factor, None, None, None

    class TooMany(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    x = lib.ones(2, requires_grad=True)
    Scale.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    with pytest.raises(RuntimeError, match="TooManyBackward"):
        TooMany.apply(x).sum().backward()


@pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])
def test_a_gradient_of_another_dtype_is_cast_to_its_inputs(lib):
    """The engine casts it, as PyTorch's validate_outputs does (autocast's products rely on it)."""
    class Twice(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return (grad * 2).double()

    x = lib.ones(3, requires_grad=True)
    Twice.apply(x).sum().backward()
    assert x.grad.dtype == lib.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


@requires_torch
def test_legacy_instance_style_function_warns_then_raises_as_torch():
    # jcjohnson/pytorch-examples' two_layer_net_custom_function.py: relu = MyReLU(); relu(x) with forward(self, x)
    outcomes = []
    for lib in (cr, torch):
        class MyReLU(lib.autograd.Function):
            def forward(self, input):
                self.save_for_backward(input)
                return input.clamp(min=0)

        with pytest.warns(DeprecationWarning, match="should not be instantiated") as caught:
            relu = MyReLU()
        with pytest.raises(RuntimeError) as error:
            relu(lib.ones(2, requires_grad=True))
        outcomes.append((str(caught[0].message).split(">", 1)[1], caught[0].filename, str(error.value)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][1] == __file__
