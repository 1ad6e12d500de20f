"""torch.autograd.functional (vjp, jvp, jacobian, hessian, vhp, hvp) against PyTorch on the same
float64 inputs, with PyTorch's tuple shapes and errors; and anomaly mode (set_detect_anomaly,
detect_anomaly) raising PyTorch's message when a backward function returns NaN."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import functional as AF
from conftest import requires_torch, torch

pytestmark = requires_torch


def pair(*shape):
    """The same random float64 values as a chainrule and a torch tensor."""
    a = np.random.randn(*shape)
    return cr.tensor(a), torch.tensor(a)


def same(got, want):
    """Recursively compares nested tuples of chainrule tensors with torch's."""
    if isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), f"{type(got)} vs tuple of {len(want)}"
        for g, w in zip(got, want):
            same(g, w)
        return
    assert isinstance(got, cr.Tensor), f"got {type(got)}, expected a Tensor"
    assert tuple(got.shape) == tuple(want.shape)
    np.testing.assert_allclose(got.detach().numpy(), want.detach().numpy(), rtol=1e-10, atol=1e-12)


# Functions written with tensor methods only, so that the same code runs on either library's tensors.
def scalar_fn(x, y):
    return (x.exp() * y.sin()).sum() + (x * x * y).sum()


def tensor_fn(x, y):
    return x.tanh() * y, x.unsqueeze(1) * y.unsqueeze(0).exp() * 2.0


def one_in_one_out(x):
    return x.sin() * x.sum()


@pytest.mark.parametrize("name", ["jacobian", "hessian"])
def test_jacobian_and_hessian_match_torch_for_single_and_tuple_inputs(name):
    (x, tx), (y, ty) = pair(3), pair(3)
    TAF = torch.autograd.functional
    if name == "jacobian":
        same(AF.jacobian(one_in_one_out, x), TAF.jacobian(one_in_one_out, tx))
        same(AF.jacobian(tensor_fn, (x, y)), TAF.jacobian(tensor_fn, (tx, ty)))
        same(AF.jacobian(lambda a: tensor_fn(a, y), x), TAF.jacobian(lambda a: tensor_fn(a, ty), tx))
    else:
        same(AF.hessian(lambda a: scalar_fn(a, y), x), TAF.hessian(lambda a: scalar_fn(a, ty), tx))
        same(AF.hessian(scalar_fn, (x, y)), TAF.hessian(scalar_fn, (tx, ty)))


def test_jacobian_vectorize_and_forward_mode_give_the_reverse_mode_result():
    (x, tx), (y, ty) = pair(2, 3), pair(3)
    want = torch.autograd.functional.jacobian(tensor_fn, (tx[0], ty))
    same(AF.jacobian(tensor_fn, (x[0], y), vectorize=True), want)
    same(AF.jacobian(tensor_fn, (x[0], y), vectorize=True, strategy="forward-mode"), want)
    same(AF.hessian(scalar_fn, (x[0], y), vectorize=True),
         torch.autograd.functional.hessian(scalar_fn, (tx[0], ty), vectorize=True))


@pytest.mark.parametrize("name", ["vjp", "jvp"])
def test_vjp_and_jvp_match_torch(name):
    (x, tx), (y, ty) = pair(3), pair(3)
    TAF = torch.autograd.functional
    if name == "vjp":
        (v1, tv1), (v2, tv2) = pair(3), pair(3, 3)
        same(AF.vjp(tensor_fn, (x, y), (v1, v2)), TAF.vjp(tensor_fn, (tx, ty), (tv1, tv2)))
        same(AF.vjp(lambda a: scalar_fn(a, y), x), TAF.vjp(lambda a: scalar_fn(a, ty), tx))
    else:
        (v1, tv1), (v2, tv2) = pair(3), pair(3)
        same(AF.jvp(tensor_fn, (x, y), (v1, v2)), TAF.jvp(tensor_fn, (tx, ty), (tv1, tv2)))
        same(AF.jvp(one_in_one_out, x, v1), TAF.jvp(one_in_one_out, tx, tv1))


@pytest.mark.parametrize("name", ["hvp", "vhp"])
def test_hvp_and_vhp_match_torch(name):
    (x, tx), (y, ty), (v1, tv1), (v2, tv2) = pair(3), pair(3), pair(3), pair(3)
    ours, theirs = getattr(AF, name), getattr(torch.autograd.functional, name)
    same(ours(scalar_fn, (x, y), (v1, v2)), theirs(scalar_fn, (tx, ty), (tv1, tv2)))
    same(ours(lambda a: scalar_fn(a, y), x, v1), theirs(lambda a: scalar_fn(a, ty), tx, tv1))


def test_create_graph_lets_the_result_be_differentiated_again():
    (x, tx), (v, tv) = pair(3), pair(3)
    x.requires_grad_(True)
    tx.requires_grad_(True)
    _, ours = AF.hvp(lambda a: (a.sin() * a).sum(), x, v, create_graph=True)
    _, theirs = torch.autograd.functional.hvp(lambda a: (a.sin() * a).sum(), tx, tv, create_graph=True)
    ours.sum().backward()
    theirs.sum().backward()
    same(x.grad, tx.grad)
    jac = AF.jacobian(lambda a: a.exp() * a, x, create_graph=True)
    assert jac.requires_grad
    assert not AF.jacobian(lambda a: a.exp() * a, x).requires_grad


def test_unused_input_gives_zeros_and_strict_mode_raises_like_torch():
    (x, tx), (y, ty) = pair(2), pair(2)
    same(AF.jacobian(lambda a, b: a * 2, (x, y)), torch.autograd.functional.jacobian(lambda a, b: a * 2, (tx, ty)))
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function is independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (x, y), strict=True)
    with pytest.raises(RuntimeError, match="Output 0 of the user-provided function does not require gradients"):
        AF.vjp(lambda a: cr.ones(2), x, cr.ones(2), strict=True)
    with pytest.raises(RuntimeError, match="`strict=True` and `vectorized=True` are not supported together"):
        AF.jacobian(lambda a: a * 2, x, strict=True, vectorize=True)


def outcome(call):
    try:
        call()
        return "ok"
    except Exception as e:  # the type and message are what is compared
        return f"{type(e).__name__}: {e}"


@pytest.mark.parametrize("name, fn, kwargs", [
    ("hessian", lambda x: (x * 2).sum(), dict(strict=True)),  # linear: its jacobian is independent of x
    ("hvp", lambda x: (x * 2).sum(), dict(strict=True)),
    ("vhp", lambda x: (x * x).sum(), dict(strict=True)),
    ("jacobian", lambda x: x * 2, dict(strict=True, create_graph=True)),
    ("hessian", lambda x: (x ** 3).sum(), dict(strict=True, create_graph=True)),
])
def test_strict_mode_outcomes_equal_torchs(name, fn, kwargs):
    def run(lib):
        x = lib.ones(2, dtype=lib.float64)
        args = (fn, x) if name in ("hessian", "jacobian") else (fn, x, lib.ones(2, dtype=lib.float64))
        return outcome(lambda: getattr(lib.autograd.functional, name)(*args, **kwargs))
    assert run(cr) == run(torch)


def test_bad_arguments_raise_torchs_errors():
    (x, _), (v, _) = pair(3), pair(2)
    with pytest.raises(TypeError, match="The inputs given to jacobian must be either a Tensor or a tuple of Tensors"):
        AF.jacobian(lambda a: a, [x])
    with pytest.raises(RuntimeError, match=r"v has invalid size: should be .*3.* but got .*2"):
        AF.vjp(lambda a: a * 2, x, v)
    with pytest.raises(RuntimeError, match="The vector v can only be None if the user-provided function returns"):
        AF.vjp(lambda a: a * 2, x)
    with pytest.raises(RuntimeError, match="The function given to hvp should return a single Tensor"):
        AF.hvp(lambda a: (a.sum(), a.sum()), x, x)
    with pytest.raises(RuntimeError, match="should contain a single element"):
        AF.hessian(lambda a: a * 2, x)
    with pytest.raises(AssertionError, match='Expected strategy to be either "forward-mode" or "reverse-mode"'):
        AF.jacobian(lambda a: a, x, strategy="sideways")
    with pytest.raises(NotImplementedError, match="only implemented for `vectorize=True`"):
        AF.jacobian(lambda a: a, x, strategy="forward-mode")


# ---- anomaly mode ---------------------------------------------------------------------------------

def nan_backward(lib):
    """sqrt at 0 has an infinite derivative; times the zero gradient from (* 0) it is NaN in PyTorch too."""
    x = lib.zeros(3, dtype=lib.float64, requires_grad=True)
    return x, (x.sqrt() * 0.0).sum()


def test_anomaly_mode_names_the_backward_function_that_returned_nan():
    tx, tloss = nan_backward(torch)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        theirs = torch.autograd.detect_anomaly()
    with theirs, pytest.raises(RuntimeError) as want, pytest.warns(UserWarning, match="Error detected in Sqrt"):
        tloss.backward()
    x, loss = nan_backward(cr)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        ours = cr.autograd.detect_anomaly()
    with ours, pytest.raises(RuntimeError) as got:
        loss.backward()
    assert str(got.value) == str(want.value) == "Function 'SqrtBackward0' returned nan values in its 0th output."


def test_anomaly_mode_is_off_by_default_and_switches_like_torch():
    assert not cr.is_anomaly_enabled() and cr.is_anomaly_check_nan_enabled()
    x, loss = nan_backward(cr)
    loss.backward()  # off: the NaN gradient just arrives
    assert np.isnan(x.grad.numpy()).all()
    cr.autograd.set_detect_anomaly(True, check_nan=False)
    try:
        assert cr.autograd.is_anomaly_enabled() and not cr.autograd.is_anomaly_check_nan_enabled()
        nan_backward(cr)[1].backward()  # enabled without the NaN check: no error, as PyTorch
    finally:
        cr.autograd.set_detect_anomaly(False)
    assert not cr.is_anomaly_enabled()

    with pytest.warns(UserWarning):
        decorator = cr.autograd.detect_anomaly()

    @decorator
    def train_step():
        assert cr.is_anomaly_enabled()
        nan_backward(cr)[1].backward()

    with pytest.raises(RuntimeError, match="returned nan values in its 0th output"):
        train_step()
    assert not cr.is_anomaly_enabled()
    with cr.autograd.set_detect_anomaly(True):
        assert cr.is_anomaly_enabled()
    assert not cr.is_anomaly_enabled()
