"""nn.utils.parametrize, nn.utils.parametrizations.weight_norm/spectral_norm and the older hook-based
nn.utils.weight_norm/spectral_norm against PyTorch (float64): state_dict keys, checkpoints loaded both
ways, forward values, gradients and parameters after a few SGD steps, power-iteration buffers."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.nn.utils import parametrize
from conftest import requires_torch, torch

pytestmark = requires_torch


def make_pair(build):
    """build(lib) in chainrule and in torch (float64), with torch's initial state copied into ours."""
    torch.manual_seed(0)
    theirs = build(torch).double()
    ours = build(cr).double()
    return ours, theirs


def to_cr(state):
    return {k: cr.tensor(v.detach().numpy().copy()) for k, v in state.items()}


def to_torch(state):
    return {k: torch.tensor(v.detach().numpy().copy()) for k, v in state.items()}


def assert_same_state(ours, theirs):
    a, b = ours.state_dict(), theirs.state_dict()
    assert list(a) == list(b)
    for k in a:
        np.testing.assert_allclose(a[k].numpy(), b[k].numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


def train_both(ours, theirs, x_shape, steps=3):
    """Runs SGD steps on both on the same inputs, checking outputs and gradients at each step."""
    opt_ours = cr.optim.SGD(ours.parameters(), lr=0.1)
    opt_theirs = torch.optim.SGD(theirs.parameters(), lr=0.1)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for _ in range(steps):
        x = np.random.randn(*x_shape)
        out_ours, out_theirs = ours(cr.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out_ours.detach().numpy(), out_theirs.detach().numpy(), rtol=1e-9, atol=1e-11)
        for opt, out in ((opt_ours, out_ours), (opt_theirs, out_theirs)):
            opt.zero_grad()
            (out.tanh() ** 2).sum().backward()
            opt.step()
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-9, atol=1e-11, err_msg=name)
    assert_same_state(ours, theirs)


def symmetric(lib):
    """A parametrization: the upper triangle mirrored (PyTorch's tutorial example), for either library."""
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def test_register_parametrization_layout_training_and_removal_match_torch():
    def build(lib):
        m = lib.nn.Linear(4, 4)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", symmetric(lib))
        return m
    ours, theirs = make_pair(build)
    assert type(ours).__name__ == type(theirs).__name__ == "ParametrizedLinear"
    assert isinstance(ours, cr.nn.Linear)
    assert parametrize.type_before_parametrizations(ours) is cr.nn.Linear
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "parametrizations.weight.original"]
    ours.load_state_dict(to_cr(theirs.state_dict()))
    w = ours.weight
    np.testing.assert_allclose(w.detach().numpy(), w.detach().numpy().T)
    assert parametrize.is_parametrized(ours) and parametrize.is_parametrized(ours, "weight")
    assert not parametrize.is_parametrized(ours, "bias")
    train_both(ours, theirs, (5, 4))
    with parametrize.cached():
        assert ours.weight is ours.weight
    assert ours.weight is not ours.weight

    value = np.random.randn(4, 4)
    ours.weight = cr.tensor(value)  # stores right_inverse(value): the upper triangle
    theirs.weight = torch.tensor(value)
    assert_same_state(ours, theirs)
    for leave in (True, False):
        o, t = make_pair(build)
        o.load_state_dict(to_cr(t.state_dict()))
        parametrize.remove_parametrizations(o, "weight", leave_parametrized=leave)
        torch.nn.utils.parametrize.remove_parametrizations(t, "weight", leave_parametrized=leave)
        assert type(o) is cr.nn.Linear and isinstance(o.weight, cr.nn.Parameter)
        assert_same_state(o, t)


def halving(lib):
    """A parametrization stored as half its value: forward doubles, right_inverse halves."""
    class Halving(lib.nn.Module):
        def forward(self, X):
            return X * 2

        def right_inverse(self, A):
            return A / 2
    return Halving()


def test_chained_parametrizations_and_a_parametrized_buffer_match_torch():
    def summary(lib):
        m = lib.nn.Linear(3, 3).double()
        m.register_buffer("mask", lib.ones(3, 3, dtype=lib.float64))
        P = lib.nn.utils.parametrize
        P.register_parametrization(m, "weight", symmetric(lib))
        P.register_parametrization(m, "weight", halving(lib))  # chained: halving(symmetric(original))
        P.register_parametrization(m, "mask", halving(lib))
        seen = [list(m.state_dict()), [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()],
                m.mask.sum().item()]
        m.weight = lib.tensor(np.arange(9.0).reshape(3, 3))  # right_inverse through the chain, last first
        seen.append(m.parametrizations.weight.original.detach().numpy().tolist())
        P.remove_parametrizations(m, "mask")
        return seen + [list(m.state_dict()), type(m).__name__]
    assert summary(cr) == summary(torch)


def test_parametrization_errors_match_torch():
    m = cr.nn.Linear(3, 2)
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element with name"):
        parametrize.register_parametrization(m, "nope", symmetric(cr))
    with pytest.raises(ValueError, match="may not change the shape of the tensor, unless `unsafe` flag is enabled"):
        parametrize.register_parametrization(m, "weight", cr.nn.Flatten(0))
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(cr.nn.Linear(2, 2), "weight")


@pytest.mark.parametrize("layer", ["linear", "conv2d", "conv_transpose2d"])
def test_parametrizations_weight_norm_matches_torch(layer):
    def build(lib):
        m = {"linear": lambda: lib.nn.Linear(4, 3), "conv2d": lambda: lib.nn.Conv2d(2, 3, 3),
             "conv_transpose2d": lambda: lib.nn.ConvTranspose2d(2, 3, 3)}[layer]()
        return lib.nn.utils.parametrizations.weight_norm(m, dim=0 if layer != "conv_transpose2d" else 1)
    ours, theirs = make_pair(build)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "parametrizations.weight.original0" in ours.state_dict()
    assert ours.parametrizations.weight.original0.shape == theirs.parametrizations.weight.original0.shape
    ours.load_state_dict(to_cr(theirs.state_dict()))
    train_both(ours, theirs, (2, 4) if layer == "linear" else (2, 2, 5, 5))
    theirs.load_state_dict(to_torch(ours.state_dict()))  # and back


@pytest.mark.parametrize("layer", ["linear", "conv2d", "conv_transpose2d"])
def test_parametrizations_spectral_norm_matches_torch_in_training_and_eval(layer):
    def build(lib):
        m = {"linear": lambda: lib.nn.Linear(4, 3), "conv2d": lambda: lib.nn.Conv2d(2, 3, 3),
             "conv_transpose2d": lambda: lib.nn.ConvTranspose2d(2, 3, 3)}[layer]()
        return lib.nn.utils.parametrizations.spectral_norm(m, n_power_iterations=2)
    ours, theirs = make_pair(build)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert {"parametrizations.weight.original", "parametrizations.weight.0._u",
            "parametrizations.weight.0._v"} <= set(ours.state_dict())
    ours.load_state_dict(to_cr(theirs.state_dict()))  # the random u, v too
    shape = (2, 4) if layer == "linear" else (2, 2, 5, 5)
    train_both(ours, theirs, shape)  # u, v updated by power iteration in each training forward
    ours.eval()
    theirs.eval()
    u = ours.parametrizations.weight[0]._u.numpy().copy()
    x = np.random.randn(*shape)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(ours.parametrizations.weight[0]._u.numpy(), u)  # eval: no update
    # The registration itself runs 15 power-iteration steps: sigma is near the largest singular value.
    fresh = cr.nn.utils.parametrizations.spectral_norm(cr.nn.Linear(6, 5).double()).eval()
    np.testing.assert_allclose(np.linalg.norm(fresh.weight.detach().numpy(), 2), 1.0, rtol=1e-3)


def test_parametrizations_spectral_norm_bad_arguments():
    with pytest.raises(IndexError, match="Dimension out of range"):
        cr.nn.utils.parametrizations.spectral_norm(cr.nn.Linear(2, 2), dim=2)
    with pytest.raises(ValueError, match="Expected n_power_iterations to be positive"):
        cr.nn.utils.parametrizations.spectral_norm(cr.nn.Linear(2, 2), n_power_iterations=0)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm_matches_torch_and_removes(dim):
    def build(lib):
        with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
            return lib.nn.utils.weight_norm(lib.nn.Conv1d(2, 3, 3), dim=dim)
    ours, theirs = make_pair(build)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert ours.weight_g.shape == theirs.weight_g.shape
    ours.load_state_dict(to_cr(theirs.state_dict()))
    train_both(ours, theirs, (2, 2, 6))
    cr.nn.utils.remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert_same_state(ours, theirs)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found in"):
        cr.nn.utils.remove_weight_norm(ours)


@pytest.mark.parametrize("layer", ["linear", "conv_transpose1d"])
def test_old_spectral_norm_matches_torch_and_removes(layer):
    def build(lib):
        m = lib.nn.Linear(4, 3) if layer == "linear" else lib.nn.ConvTranspose1d(2, 3, 3)
        return lib.nn.utils.spectral_norm(m)
    ours, theirs = make_pair(build)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert list(ours.state_dict())[-3:] == ["weight_orig", "weight_u", "weight_v"]
    ours.load_state_dict(to_cr(theirs.state_dict()))
    shape = (2, 4) if layer == "linear" else (2, 2, 5)
    train_both(ours, theirs, shape)
    ours.eval()
    theirs.eval()
    v = ours.weight_v.numpy().copy()
    x = np.random.randn(*shape)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-9, atol=1e-11)
    np.testing.assert_array_equal(ours.weight_v.numpy(), v)
    theirs.load_state_dict(to_torch(ours.state_dict()))  # a chainrule checkpoint loads into PyTorch
    cr.nn.utils.remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert_same_state(ours, theirs)


def test_double_after_a_forward_still_backpropagates():
    """Tensor.data = (another dtype) drops the leaf's recorded gradient accumulator, as PyTorch does:
    the older weight_norm runs a forward at registration, then programs call .double()."""
    p = cr.nn.Parameter(cr.randn(3))
    (p * 2).sum()
    p.data = p.data.double()
    (p * 2).sum().backward()
    assert p.grad.dtype == cr.float64
    np.testing.assert_allclose(p.grad.numpy(), [2.0, 2.0, 2.0])


def test_transfer_parametrizations_and_params_shares_the_originals():
    source = cr.nn.utils.parametrizations.weight_norm(cr.nn.Linear(3, 2))
    target = parametrize.transfer_parametrizations_and_params(source, cr.nn.Linear(3, 2))
    assert type(target).__name__ == "ParametrizedLinear"
    assert target.parametrizations.weight.original1 is source.parametrizations.weight.original1
    np.testing.assert_allclose(target.weight.detach().numpy(), source.weight.detach().numpy())
