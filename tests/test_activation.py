"""chainrule.nn.functional activations: gradcheck + gradgradcheck in float64 and forward/backward
parity with torch.nn.functional (check_op), PyTorch's choices at the kinks, in-place variants,
float32 accuracy, softmax's legacy dim, and bad input."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.nn.functional as F
from conftest import assert_close, check_op, requires_torch, torch

TF = torch.nn.functional if torch is not None else None

# (name, keyword arguments, input scale): inputs are standard normal times the scale, so that
# every branch (e.g. hardswish's +-3) is visited; random points are never within gradcheck's eps
# of a kink.
ACTIVATIONS = [
    ("relu", {}, 1), ("relu6", {}, 4), ("leaky_relu", {}, 1), ("leaky_relu", {"negative_slope": 0.2}, 1),
    ("elu", {}, 1), ("elu", {"alpha": 0.5}, 2), ("selu", {}, 1), ("celu", {}, 1), ("celu", {"alpha": 2.0}, 2),
    ("celu", {"alpha": 0.7}, 2),  # PyTorch's backward rounds alpha to float32
    ("gelu", {}, 2), ("gelu", {"approximate": "tanh"}, 2), ("silu", {}, 2), ("mish", {}, 2),
    ("softplus", {}, 2), ("softplus", {"beta": 2.0, "threshold": 1.0}, 2), ("hardtanh", {}, 2),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, 2), ("hardsigmoid", {}, 4), ("hardswish", {}, 4),
    ("logsigmoid", {}, 3), ("softsign", {}, 2), ("sigmoid", {}, 2), ("tanh", {}, 2),
    ("threshold", {"threshold": 0.1, "value": -2.0}, 1),
    # composed from recorded ops in nn/functional/activation_composite.py
    ("tanhshrink", {}, 2), ("softshrink", {}, 1), ("softshrink", {"lambd": 0.3}, 1),
    ("softshrink", {"lambd": 0.0}, 1), ("hardshrink", {}, 1), ("hardshrink", {"lambd": 1.2}, 2),
]
IDS = [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw, _ in ACTIVATIONS]


def _fn(lib_f, name, kwargs, scale):
    return lambda x: getattr(lib_f, name)(x * scale, **kwargs)


@pytest.mark.parametrize("name,kwargs,scale", ACTIVATIONS, ids=IDS)
def test_gradients_and_parity(name, kwargs, scale):
    check_op(_fn(F, name, kwargs, scale), [(3, 5)], torch_fn=_fn(TF, name, kwargs, scale) if TF else None)


@pytest.mark.parametrize("name,kwargs,scale", ACTIVATIONS[:6], ids=IDS[:6])
def test_zero_dim_and_empty(name, kwargs, scale):
    check_op(_fn(F, name, kwargs, scale), [()], torch_fn=_fn(TF, name, kwargs, scale) if TF else None)
    out = getattr(F, name)(cr.zeros(0, 3), **kwargs)
    assert tuple(out.shape) == (0, 3)


KINKS = [
    ("relu", {}, [0.0]), ("relu6", {}, [0.0, 6.0]), ("leaky_relu", {"negative_slope": 0.1}, [0.0]),
    ("elu", {"alpha": 0.5}, [0.0]), ("celu", {"alpha": 2.0}, [0.0]), ("selu", {}, [0.0]),
    ("hardtanh", {"min_val": -0.5, "max_val": 2.0}, [-0.5, 2.0]), ("hardsigmoid", {}, [-3.0, 3.0]),
    ("hardswish", {}, [-3.0, 3.0]), ("softplus", {"beta": 2.0, "threshold": 1.0}, [0.5]),
    ("threshold", {"threshold": 0.1, "value": -2.0}, [0.1]), ("gelu", {}, [0.0]),
    ("softshrink", {"lambd": 0.5}, [-0.5, 0.5]), ("hardshrink", {"lambd": 0.5}, [-0.5, 0.5]),
    ("softshrink", {"lambd": 0.0}, [0.0]), ("tanhshrink", {}, [0.0]),
]


@requires_torch
@pytest.mark.parametrize("name,kwargs,kinks", KINKS, ids=[f"{k[0]}-{k[1]}" for k in KINKS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_gradients_at_and_near_kinks_match_pytorch(name, kwargs, kinks, dtype):
    points = np.concatenate([[k - 1e-3, k - 1e-7, k, k + 1e-7, k + 1e-3] for k in kinks]).astype(dtype)
    x = cr.tensor(points, requires_grad=True)
    tx = torch.tensor(points, requires_grad=True)
    y, ty = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    assert_close(y.detach(), ty.detach().numpy(), rtol=1e-6, atol=1e-7)
    y.sum().backward()
    ty.sum().backward()
    assert_close(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-7)


@requires_torch
@pytest.mark.parametrize("name,kwargs,scale", ACTIVATIONS, ids=IDS)
def test_float32_matches_pytorch(name, kwargs, scale):
    data = (np.random.default_rng(3).standard_normal(2000) * 3 * scale).astype(np.float32)
    x = cr.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = getattr(F, name)(x, **kwargs), getattr(TF, name)(tx, **kwargs)
    assert y.dtype == cr.float32
    assert_close(y.detach(), ty.detach().numpy(), rtol=2e-6, atol=2e-6)
    seed = np.random.default_rng(4).standard_normal(2000).astype(np.float32)
    y.backward(cr.tensor(seed))
    ty.backward(torch.tensor(seed))
    assert_close(x.grad, tx.grad.numpy(), rtol=2e-5, atol=2e-6)


IN_PLACE = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {"alpha": 0.7}),
            ("selu", {}), ("celu", {"alpha": 1.5}), ("silu", {}), ("mish", {}), ("hardtanh", {"min_val": -0.5}),
            ("hardsigmoid", {}), ("hardswish", {}), ("threshold", {"threshold": 0.2, "value": 5.0})]


@pytest.mark.parametrize("name,kwargs", IN_PLACE, ids=[n for n, _ in IN_PLACE])
def test_in_place_writes_input_and_backpropagates(name, kwargs):
    data = np.random.default_rng(5).standard_normal((4, 3)) * 3
    expected = getattr(F, name)(cr.tensor(data), **kwargs)
    x = cr.tensor(data)
    out = getattr(F, name)(x, **kwargs, inplace=True)
    assert out is x
    assert_close(x, expected.numpy(), rtol=1e-12, atol=0)
    # through autograd: a non-leaf written in place gets the op's history
    leaf = cr.tensor(data, requires_grad=True)
    h = leaf * 1.0
    getattr(F, name)(h, **kwargs, inplace=True)
    (h * h).sum().backward()
    ref = cr.tensor(data, requires_grad=True)
    (getattr(F, name)(ref, **kwargs) ** 2).sum().backward()
    assert_close(leaf.grad, ref.grad.numpy(), rtol=1e-12, atol=1e-14)
    if torch is not None:
        tleaf = torch.tensor(data, requires_grad=True)
        th = tleaf * 1.0
        getattr(TF, name)(th, **kwargs, inplace=True)
        (th * th).sum().backward()
        assert_close(leaf.grad, tleaf.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_in_place_on_leaf_requiring_grad_is_refused():
    with pytest.raises(RuntimeError, match="elu_"):
        F.elu(cr.randn(3, requires_grad=True), inplace=True)
    with pytest.raises(RuntimeError, match="hardtanh_"):
        F.hardtanh(cr.randn(3).expand(2, 3), inplace=True)


def test_functional_underscore_aliases():
    x = cr.tensor([-2.0, 0.5, 3.0])
    assert F.leaky_relu_(x, 0.5) is x
    assert_close(x, np.array([-1.0, 0.5, 3.0]))
    assert_close(F.hardtanh_(x), np.array([-1.0, 0.5, 1.0]))
    assert_close(F.threshold_(x, 0.6, 9.0), np.array([9.0, 9.0, 1.0]))


def test_node_names_follow_pytorch():
    x = cr.randn(3, requires_grad=True)
    assert F.gelu(x).grad_fn.name() == "GeluBackward0"
    assert F.selu(x).grad_fn.name() == "EluBackward0"
    assert F.celu(x).grad_fn.name() == "CeluBackward0"
    assert F.relu6(x).grad_fn.name() == "HardtanhBackward0"
    assert F.silu(x).grad_fn.name() == "SiluBackward0"


@requires_torch
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_family(name, dim):
    fn = lambda lib_f: lambda x: getattr(lib_f, name)(x, dim=dim)  # noqa: E731
    check_op(fn(F), [(3, 4)], torch_fn=fn(TF))


@requires_torch
@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)])
def test_softmax_without_dim_follows_pytorchs_legacy_rule(shape):
    data = np.random.default_rng(6).standard_normal(shape)
    for name in ("softmax", "log_softmax", "softmin"):
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            got = getattr(F, name)(cr.tensor(data))
        with pytest.warns(UserWarning):
            want = getattr(TF, name)(torch.tensor(data))
        assert_close(got, want.numpy(), rtol=1e-12, atol=1e-14)


def test_softmax_dtype_argument():
    x = cr.tensor([[1.0, 2.0, 3.0]])
    assert F.softmax(x, dim=1, dtype=cr.float64).dtype == cr.float64
    assert F.log_softmax(x, 1, dtype=cr.float64).dtype == cr.float64
    assert F.softmin(x, 1, dtype=cr.float64).dtype == cr.float64


def test_bad_input():
    ints = cr.tensor([1, 2, 3])
    for name in ("gelu", "silu", "elu", "leaky_relu", "hardswish", "softplus", "relu6", "logsigmoid", "softsign"):
        with pytest.raises(TypeError, match=name):
            getattr(F, name)(ints)
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh', got 'fast'"):
        F.gelu(cr.randn(3), approximate="fast")
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        F.hardtanh(cr.randn(3), min_val=2.0, max_val=1.0)
    with pytest.raises(ValueError, match="celu: alpha cannot be 0"):
        F.celu(cr.randn(3), alpha=0.0)
    with pytest.raises(IndexError, match="softmax"):
        F.softmax(cr.randn(3), dim=2)


@requires_torch
def test_celu_gradient_rounds_alpha_to_float_as_pytorch():
    # PyTorch's celu backward scales by 1 / float32(alpha): a 1e-8 relative difference from 1 / alpha
    x = np.random.default_rng(0).standard_normal((5, 7))
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.celu(ours, 0.7).sum().backward()
    TF.celu(theirs, 0.7).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-15, atol=0)
