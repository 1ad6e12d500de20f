"""chainrule.nn.init and Tensor.uniform_/normal_: distributions, bounds and gains as in PyTorch."""
import math

import numpy as np
import pytest

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import init
from conftest import requires_torch, torch


def values(t):
    return t.detach().numpy().astype(np.float64).ravel()


def assert_uniform(t, low, high):
    v = values(t)
    assert v.min() >= low and v.max() < high
    assert abs(v.mean() - (low + high) / 2) < 0.02 * (high - low)
    assert abs(v.std() - (high - low) / math.sqrt(12)) < 0.02 * (high - low)


def assert_normal(t, mean, std):
    v = values(t)
    assert abs(v.mean() - mean) < 0.02 * std + 1e-12
    assert abs(v.std() - std) < 0.02 * std


# ---- Tensor.uniform_ / normal_ ---------------------------------------------------------------------

def test_uniform_and_normal_fill_in_place_and_are_seeded():
    t = cr.zeros(200, 300)
    assert t.uniform_(-2, 3) is t
    assert_uniform(t, -2, 3)
    assert_normal(cr.zeros(200, 300, dtype=cr.float64).normal_(1.5, 0.5), 1.5, 0.5)
    cr.manual_seed(7)
    a = cr.zeros(5).normal_().numpy()
    cr.manual_seed(7)
    np.testing.assert_array_equal(a, cr.zeros(5).normal_().numpy())


def test_random_fills_handle_views_and_empty_tensors():
    t = cr.zeros(4, 6)
    t.t().uniform_(5, 6)[::2]
    view = t[:, ::2]
    view.normal_(100, 1)
    assert (values(t[:, 1::2]) >= 5).all() and (values(t[:, ::2]) > 90).all()
    assert cr.zeros(0, 3).uniform_().shape == (0, 3)


def test_random_fill_errors():
    with pytest.raises(TypeError, match="uniform_"):
        cr.zeros(2, dtype=cr.int64).uniform_()
    with pytest.raises(ValueError, match="uniform_"):
        cr.zeros(2).uniform_(1, 0)
    with pytest.raises(ValueError, match="normal_"):
        cr.zeros(2).normal_(0, -1)
    with pytest.raises(RuntimeError, match="leaf"):
        cr.zeros(2, requires_grad=True).normal_()


def test_random_fill_bumps_version():
    t = cr.zeros(3)
    v = t._version
    t.uniform_()
    assert t._version > v


# ---- init functions --------------------------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("args", [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",)])
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


def test_calculate_gain_rejects_unknown():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope"):
        init.calculate_gain("leaky_relu", "x")


@requires_torch
@pytest.mark.parametrize("shape", [(3, 4), (8, 3, 5), (6, 4, 3, 2)])
def test_fans_match_torch(shape):
    ours = init._calculate_fan_in_and_fan_out(cr.zeros(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(cr.zeros(3))


def test_uniform_normal_constant():
    assert_uniform(init.uniform_(cr.zeros(300, 300), -0.5, 1.5), -0.5, 1.5)
    assert_normal(init.normal_(cr.zeros(300, 300), 2.0, 3.0), 2.0, 3.0)
    np.testing.assert_array_equal(values(init.constant_(cr.zeros(2, 2), 0.25)), 0.25)
    np.testing.assert_array_equal(values(init.ones_(cr.zeros(3))), 1)
    np.testing.assert_array_equal(values(init.zeros_(cr.ones(3))), 0)


def test_init_runs_under_no_grad_on_parameters():
    p = nn.Parameter(cr.zeros(100, 50))
    init.kaiming_uniform_(p)
    init.normal_(p)
    assert p.requires_grad and p.grad_fn is None


def test_xavier():
    fan_in, fan_out = 200, 300
    t = cr.zeros(fan_out, fan_in)
    bound = 1.5 * math.sqrt(6.0 / (fan_in + fan_out))
    assert_uniform(init.xavier_uniform_(t, gain=1.5), -bound, bound)
    assert_normal(init.xavier_normal_(t, gain=2.0), 0.0, 2.0 * math.sqrt(2.0 / (fan_in + fan_out)))


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity,a", [("relu", 0), ("leaky_relu", math.sqrt(5)), ("leaky_relu", 0.1)])
def test_kaiming(mode, nonlinearity, a):
    t = cr.zeros(64, 32, 3, 3)
    fan = 32 * 9 if mode == "fan_in" else 64 * 9
    std = init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    assert_uniform(init.kaiming_uniform_(t, a=a, mode=mode, nonlinearity=nonlinearity),
                   -math.sqrt(3) * std, math.sqrt(3) * std)
    assert_normal(init.kaiming_normal_(t, a=a, mode=mode, nonlinearity=nonlinearity), 0.0, std)


def test_kaiming_bad_mode_and_empty_tensor():
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(cr.zeros(3, 3), mode="fan_avg")
    with pytest.warns(UserWarning, match="zero-element"):
        init.kaiming_uniform_(cr.zeros(0, 3))


@requires_torch
def test_trunc_normal_matches_torch_moments():
    ours = values(init.trunc_normal_(cr.zeros(400, 250), mean=0.5, std=1.0, a=-1.0, b=1.5))
    theirs = torch.nn.init.trunc_normal_(torch.zeros(400, 250, dtype=torch.float64), 0.5, 1.0, -1.0, 1.5)
    theirs = theirs.numpy().ravel()
    assert ours.min() >= -1.0 and ours.max() <= 1.5
    assert abs(ours.mean() - theirs.mean()) < 0.01 and abs(ours.std() - theirs.std()) < 0.01
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(cr.zeros(2), a=1, b=0)


@requires_torch
def test_trunc_normal_is_torchs_inverse_cdf_of_the_generators_uniform_draws():
    mean, std, a, b = 0.5, 2.0, -1.0, 3.0
    generator = cr.Generator()
    generator.manual_seed(7)
    ours = init.trunc_normal_(cr.zeros(64, dtype=cr.float64), mean, std, a, b, generator=generator).numpy()
    generator.manual_seed(7)
    bounds = torch.tensor([(a - mean) / std, (b - mean) / std], dtype=torch.float64)
    low, high = (torch.special.ndtr(bounds) * 2 - 1).tolist()
    draws = torch.tensor(cr.zeros(64, dtype=cr.float64).uniform_(low, high, generator=generator).numpy())
    np.testing.assert_allclose(ours, (torch.erfinv(draws) * std * math.sqrt(2) + mean).clamp(a, b).numpy(), rtol=1e-12)
    with pytest.warns(UserWarning, match="more than 2 std"):  # 3e-7 of the mass, as PyTorch warns
        far = values(init.trunc_normal_(cr.zeros(1000), a=5.0, b=6.0))
    assert far.min() >= 5.0 and far.max() <= 6.0


@pytest.mark.parametrize("shape", [(5, 8), (8, 5), (6, 2, 3)])
def test_orthogonal(shape):
    t = init.orthogonal_(cr.zeros(*shape), gain=2.0)
    flat = values(t).reshape(shape[0], -1) / 2.0
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(cr.zeros(3))


def test_eye_and_dirac():
    np.testing.assert_array_equal(init.eye_(cr.zeros(2, 3)).numpy(), np.eye(2, 3))
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(cr.zeros(2, 2, 2))
    w = init.dirac_(cr.zeros(4, 2, 3, 3), groups=2).numpy()
    assert w.sum() == 4 and w[0, 0, 1, 1] == 1 and w[1, 1, 1, 1] == 1 and w[2, 0, 1, 1] == 1
    with pytest.raises(ValueError, match="3, 4, or 5 dimensions"):
        init.dirac_(cr.zeros(2, 2))


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="deprecated"):
        init.normal(cr.zeros(3))


@requires_torch
def test_deprecated_aliases_are_torchs():
    names = ["uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
             "eye", "dirac", "orthogonal", "sparse"]
    assert all(hasattr(torch.nn.init, name) for name in names)
    with pytest.warns(FutureWarning, match="`nn.init.orthogonal` is now deprecated in favor of `nn.init.orthogonal_`"):
        init.orthogonal(cr.zeros(3, 3))


def test_sparse_zeroes_a_fraction_of_each_column():
    w = init.sparse_(cr.zeros(10, 40), sparsity=0.25, std=2.0).numpy()
    assert np.all((w == 0).sum(0) == 3)  # ceil(0.25 * 10) per column
    assert 1.5 < w[w != 0].std() < 2.5
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        init.sparse_(cr.zeros(3), 0.5)


# ---- generator= (torch 2.13) ------------------------------------------------------------------------

_RANDOM_INITS = [(init.uniform_, ()), (init.normal_, ()), (init.trunc_normal_, ()), (init.xavier_uniform_, ()),
                 (init.xavier_normal_, ()), (init.kaiming_uniform_, ()), (init.kaiming_normal_, ()),
                 (init.orthogonal_, ()), (init.sparse_, (0.5,))]


@pytest.mark.parametrize("fn,args", _RANDOM_INITS, ids=[fn.__name__ for fn, _ in _RANDOM_INITS])
def test_a_generator_gives_the_same_values_twice_and_leaves_the_global_stream_alone(fn, args):
    def fill(generator):
        return fn(cr.empty(6, 5), *args, generator=generator)

    def seeded(seed):
        generator = cr.Generator()
        generator.manual_seed(seed)
        return generator

    cr.manual_seed(0)
    first, second = fill(seeded(5)), fill(seeded(5))
    after_generator_draws = cr.rand(3)
    cr.manual_seed(0)
    from_global_stream = fill(None)
    assert cr.equal(first, second)
    assert not cr.equal(first, from_global_stream)
    cr.manual_seed(0)
    assert cr.equal(after_generator_draws, cr.rand(3))  # the generator's draws did not advance the global one
