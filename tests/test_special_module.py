"""chainrule.special against torch.special: every function's values and gradients on random inputs
in float32 and float64, gradcheck/gradgradcheck of the composed ones, their edge values (tails,
zeros, infinities, NaN), zeta and gammainc/gammaincc (PyTorch's regimes, mpmath where PyTorch is
less exact, gradients only where PyTorch has them), igamma/igammac, round(decimals=), mvlgamma
(torch.mvlgamma, Tensor.mvlgamma, mvlgamma_), and that the module has all of torch.special's names
but the listed omissions."""
import numpy as np
import pytest

import chainrule as cr
import chainrule.special
from conftest import check_op, requires_torch, torch

# name -> (input ranges, call(special_module, *tensors)); one range per tensor argument.
CASES = {
    "erf": ([(-4, 4)], lambda s, x: s.erf(x)),
    "erfc": ([(-4, 20)], lambda s, x: s.erfc(x)),
    "erfcx": ([(-6, 40)], lambda s, x: s.erfcx(x)),
    "erfinv": ([(-0.99, 0.99)], lambda s, x: s.erfinv(x)),
    "expit": ([(-8, 8)], lambda s, x: s.expit(x)),
    "logit": ([(0.01, 0.99)], lambda s, x: s.logit(x)),
    "logit_eps": ([(0.01, 0.99)], lambda s, x: s.logit(x, eps=0.2)),
    "exp2": ([(-5, 5)], lambda s, x: s.exp2(x)),
    "expm1": ([(-3, 3)], lambda s, x: s.expm1(x)),
    "log1p": ([(-0.9, 5)], lambda s, x: s.log1p(x)),
    "softmax": ([(-3, 3)], lambda s, x: s.softmax(x, 1)),
    "softmax_dtype": ([(-3, 3)], lambda s, x: s.softmax(x, -1, dtype=s_dtype(s, x))),
    "log_softmax": ([(-3, 3)], lambda s, x: s.log_softmax(x, dim=0)),
    "logsumexp": ([(-3, 3)], lambda s, x: s.logsumexp(x, 1, keepdim=True)),
    "gammaln": ([(0.1, 12)], lambda s, x: s.gammaln(x)),
    "digamma": ([(0.1, 12)], lambda s, x: s.digamma(x)),
    "psi": ([(0.1, 12)], lambda s, x: s.psi(x)),
    "polygamma": ([(0.5, 10)], lambda s, x: s.polygamma(2, x)),
    "multigammaln": ([(1.6, 10)], lambda s, x: s.multigammaln(x, 3)),
    "i0": ([(-30, 30)], lambda s, x: s.i0(x)),
    "i1": ([(-30, 30)], lambda s, x: s.i1(x)),
    "i0e": ([(-60, 60)], lambda s, x: s.i0e(x)),
    "i1e": ([(-60, 60)], lambda s, x: s.i1e(x)),
    "modified_bessel_i0": ([(-30, 30)], lambda s, x: s.modified_bessel_i0(x)),
    "modified_bessel_i1": ([(-30, 30)], lambda s, x: s.modified_bessel_i1(x)),
    "spherical_bessel_j0": ([(-10, 10)], lambda s, x: s.spherical_bessel_j0(x)),
    "ndtr": ([(-6, 6)], lambda s, x: s.ndtr(x)),
    "ndtri": ([(0.01, 0.99)], lambda s, x: s.ndtri(x)),
    "log_ndtr": ([(-30, 6)], lambda s, x: s.log_ndtr(x)),
    "sinc": ([(-3, 3)], lambda s, x: s.sinc(x)),
    "round": ([(-50, 50)], lambda s, x: s.round(x)),
    "round_decimals": ([(-50, 50)], lambda s, x: s.round(x, decimals=2)),
    "round_tens": ([(-500, 500)], lambda s, x: s.round(x, decimals=-1)),
    "xlogy": ([(-2, 2), (0.1, 5)], lambda s, x, y: s.xlogy(x, y)),
    "xlog1py": ([(-2, 2), (-0.9, 5)], lambda s, x, y: s.xlog1py(x, y)),
    "entr": ([(0.01, 3)], lambda s, x: s.entr(x)),
}
PRECISION = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=2e-5, atol=1e-6)}
GRADIENT_PRECISION = {"float64": dict(rtol=1e-9, atol=1e-12), "float32": dict(rtol=1e-4, atol=1e-5)}


def s_dtype(special_module, x):
    """float64, from the module's own package (the dtype= argument of softmax)."""
    return cr.float64 if special_module is chainrule.special else torch.float64


def random_inputs(ranges, seed):
    rng = np.random.default_rng(seed)
    inputs = [rng.uniform(low, high, (4, 6)) for low, high in ranges]
    inputs[0][0, :3] = 0.0 if ranges[0][0] <= 0 <= ranges[0][1] else inputs[0][0, :3]  # xlogy's zeros
    return inputs


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_gradients_match_torch_special(name, dtype):
    ranges, call = CASES[name]
    arrays = random_inputs(ranges, seed=len(name))
    ours = [cr.tensor(a, dtype=getattr(cr, dtype), requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays]
    out, tout = call(chainrule.special, *ours), call(torch.special, *theirs)
    assert out.dtype == getattr(cr, str(tout.dtype).split(".")[1]) and tuple(out.shape) == tuple(tout.shape)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **PRECISION[dtype])
    assert out.requires_grad == tout.requires_grad, "differentiable exactly where PyTorch's is"
    if not tout.requires_grad:
        return
    seed = np.random.default_rng(0).standard_normal(tuple(tout.shape))
    out.backward(cr.tensor(seed, dtype=out.dtype))
    tout.backward(torch.tensor(seed, dtype=tout.dtype))
    for leaf, tleaf in zip(ours, theirs):
        np.testing.assert_allclose(leaf.grad.numpy(), tleaf.grad.numpy(), **GRADIENT_PRECISION[dtype])


# The composed functions with their own backward: gradcheck, gradgradcheck and PyTorch parity in
# float64 (inputs mapped into each domain with differentiable ops).
COMPOSED = {
    "erfcx": lambda m, x: m.special.erfcx(x * 3),
    "i1": lambda m, x: m.special.i1(x * 4),
    "i0e": lambda m, x: m.special.i0e(x * 4),
    "i1e": lambda m, x: m.special.i1e(x * 4),
    "ndtr": lambda m, x: m.special.ndtr(x * 2),
    "ndtri": lambda m, x: m.special.ndtri(m.sigmoid(x)),
    "log_ndtr": lambda m, x: m.special.log_ndtr(x * 4),
    "entr": lambda m, x: m.special.entr(x),
    "xlog1py": lambda m, x, y: m.special.xlog1py(x, y),
    "multigammaln": lambda m, x: m.special.multigammaln(x + 1, 3),
    "mvlgamma_method": lambda m, x: (x + 2).mvlgamma(4),
    "zeta": lambda m, q: m.special.zeta(3.5, q.exp()),
    "gammainc": lambda m, x: m.special.gammainc(m.full_like(x, 2.5), x.exp()),
    "gammaincc": lambda m, x: m.special.gammaincc(m.full_like(x, 0.7), x.exp()),
}


@pytest.mark.parametrize("name", sorted(COMPOSED))
def test_composed_functions_differentiate_twice(name):
    fn = COMPOSED[name]
    shapes = [(3, 4), (3, 4)] if name == "xlog1py" else [(3, 4)]
    check_op(lambda *xs: fn(cr, *xs), shapes, positive=name in ("entr", "xlog1py"),
             torch_fn=(lambda *xs: fn(torch, *xs)) if torch is not None else None)


EDGES = {
    "erfcx": [-30.0, -26.0, -6.0, -1.0, -0.0, 0.5, 1.0, 5.0, 26.0, 1e5, 1e300, np.inf, -np.inf, np.nan],
    "log_ndtr": [-1e3, -40.0, -10.0, -1.0, -0.999, 0.0, 3.0, 10.0, 40.0, np.inf, -np.inf, np.nan],
    "ndtr": [-40.0, -10.0, -1.0, 0.0, 1.0, 10.0, np.inf, -np.inf, np.nan],
    "ndtri": [0.0, 1.0, 0.5, 0.3, 0.9, -0.5, 1.5, np.nan],
    "entr": [0.0, -0.0, -1.0, 1.0, np.inf, np.nan],
    "i0e": [0.0, 1e-3, 20.0, 700.0, 1e4, np.inf, -np.inf, np.nan],
    "i1e": [0.0, -1e-3, -20.0, 700.0, -1e4, np.inf, -np.inf, np.nan],
    "spherical_bessel_j0": [0.0, 1e-8, 0.4999, 0.5, -3.0, 1e6, np.inf, -np.inf, np.nan],
    "sinc": [0.0, -1.0, 0.5, np.inf, np.nan],
}


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(EDGES))
def test_edge_values_match_torch_special(name, dtype):
    values = np.array(EDGES[name])
    ours = getattr(chainrule.special, name)(cr.tensor(values, dtype=getattr(cr, dtype))).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(values, dtype=getattr(torch, dtype))).numpy()
    np.testing.assert_allclose(ours, theirs, **PRECISION[dtype])  # NaN and +-inf at the same places


@requires_torch
def test_xlog1py_zeros_nan_and_python_numbers():
    x, y = [0.0, 0.0, 0.0, 2.0], [np.nan, -1.0, -3.0, 0.5]
    np.testing.assert_allclose(chainrule.special.xlog1py(cr.tensor(x), cr.tensor(y)).numpy(),
                               torch.special.xlog1py(torch.tensor(x), torch.tensor(y)).numpy())
    for args, targs in (((2, cr.tensor(y)), (2, torch.tensor(y))),
                        ((cr.tensor([0, 1, 2]), 3.0), (torch.tensor([0, 1, 2]), 3.0))):
        ours, theirs = chainrule.special.xlog1py(*args), torch.special.xlog1py(*targs)
        assert str(ours.dtype).split(".")[1] == str(theirs.dtype).split(".")[1]
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@requires_torch
@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_zeta_values_and_gradient_in_q_match_torch(dtype):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.uniform(1.01, 30, 200), [1.0, 0.5, 2.0, 2.0, 3.0, 2.5, np.nan, 2.0, 60.0, 1.0001, 2.0]])
    q = np.concatenate([rng.uniform(0.01, 50, 200), [1.0, 1.0, -2.5, -2.0, -0.5, -1.5, 1.0, np.nan, 0.3, 1.0, -20.5]])
    ours_q = cr.tensor(q, dtype=getattr(cr, dtype), requires_grad=True)
    theirs_q = torch.tensor(q, dtype=getattr(torch, dtype), requires_grad=True)
    ours = chainrule.special.zeta(cr.tensor(x, dtype=getattr(cr, dtype)), ours_q)
    theirs = torch.special.zeta(torch.tensor(x, dtype=getattr(torch, dtype)), theirs_q)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **PRECISION[dtype] | dict(atol=1e-30))
    finite = np.isfinite(theirs.detach().numpy())
    ours[cr.tensor(finite)].sum().backward()
    theirs[torch.tensor(finite)].sum().backward()
    np.testing.assert_allclose(ours_q.grad.numpy(), theirs_q.grad.numpy(),
                               **GRADIENT_PRECISION[dtype] | dict(atol=1e-30))
    riemann = chainrule.special.zeta(cr.tensor([2.0, 4.0], dtype=getattr(cr, dtype)), 1)
    np.testing.assert_allclose(riemann.numpy(), [np.pi ** 2 / 6, np.pi ** 4 / 90], rtol=1e-6)


def test_zeta_has_no_gradient_in_its_exponent():
    x = cr.tensor([2.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match="the derivative for 'zeta' is not implemented"):
        chainrule.special.zeta(x, cr.tensor([1.5])).backward()


def incomplete_gamma_inputs():
    """Every regime of PyTorch's choice of formula, small a, a near x up to 1e4, and the edges."""
    rng = np.random.default_rng(4)
    a = np.concatenate([rng.uniform(0.01, 5, 150), rng.uniform(5, 150, 150), 10 ** rng.uniform(-6, -1, 30),
                        [0.0, 0.0, 1.0, np.inf, np.inf, 2.0, 2.0, -1.0, 1.0, np.nan, 1e-3, 1e4, 1e4, 0.6, 3.0]])
    x = np.concatenate([rng.uniform(0, 6, 150), rng.uniform(0, 200, 150), rng.uniform(0, 3, 30),
                        [0.0, 1.0, 0.0, 1.0, np.inf, np.inf, 0.0, 1.0, -1.0, 1.0, 1e-5, 1e4, 1.05e4, 1.05, 0.3]])
    return a, x


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["gammainc", "gammaincc"])
def test_incomplete_gamma_values_and_gradient_in_x_match_torch(name, dtype):
    a, x = incomplete_gamma_inputs()
    ours_x = cr.tensor(x, dtype=getattr(cr, dtype), requires_grad=True)
    theirs_x = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    ours = getattr(chainrule.special, name)(cr.tensor(a, dtype=getattr(cr, dtype)), ours_x)
    theirs = getattr(torch.special, name)(torch.tensor(a, dtype=getattr(torch, dtype)), theirs_x)
    # PyTorch's Temme expansion (a in (20, 200), x within 30% of a) is good to ~2e-9; see the mpmath test.
    precision = dict(rtol=5e-9, atol=1e-12) if dtype == "float64" else PRECISION[dtype]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), **precision)
    finite = np.isfinite(theirs.detach().numpy()) & (x > 0)
    ours[cr.tensor(finite)].sum().backward()
    theirs[torch.tensor(finite)].sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), **GRADIENT_PRECISION[dtype])


def test_incomplete_gamma_against_mpmath_where_pytorch_uses_temme():
    mpmath = pytest.importorskip("mpmath", reason="mpmath gives the reference values")
    points = [(30.1014774, 22.3714693), (140.996241, 99.432993), (150.0, 150.5), (0.58, 1.096), (1e-4, 0.2)]
    a, x = (cr.tensor(list(column), dtype=cr.float64) for column in zip(*points))
    lower, upper = chainrule.special.gammainc(a, x).tolist(), chainrule.special.gammaincc(a, x).tolist()
    for (ai, xi), p, q in zip(points, lower, upper):
        assert p == pytest.approx(float(mpmath.gammainc(ai, 0, xi, regularized=True)), rel=2e-13)
        assert q == pytest.approx(float(mpmath.gammainc(ai, xi, mpmath.inf, regularized=True)), rel=2e-13)


@requires_torch
@pytest.mark.parametrize("name", ["igamma", "igammac"])
def test_igamma_igammac_functions_methods_and_in_place(name):
    a, x = np.array([[0.5, 2.0, 30.0]]), np.array([[0.3], [2.5]])
    expected = getattr(torch, name)(torch.tensor(a), torch.tensor(x)).numpy()
    np.testing.assert_allclose(getattr(cr, name)(cr.tensor(a), cr.tensor(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(getattr(cr.tensor(a), name)(cr.tensor(x)).numpy(), expected, rtol=1e-12)
    t = cr.tensor(np.broadcast_to(a, (2, 3)).copy())
    assert getattr(t, name + "_")(cr.tensor(x)) is t
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name, node", [("gammainc", "igamma"), ("gammaincc", "igammac")])
def test_incomplete_gamma_has_no_gradient_in_a(name, node):
    a = cr.tensor([2.5], requires_grad=True)
    with pytest.raises(NotImplementedError, match=f"the derivative for '{node}: input' is not implemented"):
        getattr(chainrule.special, name)(a, cr.tensor([1.5])).backward()


def test_mvlgamma_function_method_and_in_place():
    values = np.array([[2.5, 3.0], [7.25, 40.0]])
    expected = torch.mvlgamma(torch.tensor(values), 3).numpy()
    np.testing.assert_allclose(cr.mvlgamma(cr.tensor(values), 3).numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(cr.tensor(values).mvlgamma(p=3).numpy(), expected, rtol=1e-14)
    t = cr.tensor(values)
    assert t.mvlgamma_(3) is t
    np.testing.assert_allclose(t.numpy(), expected, rtol=1e-14)
    ints = cr.mvlgamma(cr.tensor([3, 4]), 2)
    assert ints.dtype == cr.float32  # integers in the default float dtype, as PyTorch
    np.testing.assert_allclose(ints.numpy(), torch.mvlgamma(torch.tensor([3, 4]), 2).numpy(), rtol=1e-6)
    assert cr.mvlgamma(cr.tensor(5.0), 2).shape == ()
    # PyTorch 2.13 no longer checks the domain (x > (p - 1)/2): lgamma's values there, inf at its poles.
    below = [0.4, -3.0, 1.0]
    np.testing.assert_allclose(cr.mvlgamma(cr.tensor(below), 3).numpy(), torch.mvlgamma(torch.tensor(below), 3).numpy())


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decimals", [0, 1, 3, -1, -2])
def test_round_with_decimals_is_torchs(decimals, dtype):
    values = np.random.default_rng(5).uniform(-500, 500, 200).round(4)
    values[:4] = [0.125, -2.5, 1.25, 125.0]
    expected = torch.round(torch.tensor(values, dtype=getattr(torch, dtype)), decimals=decimals).numpy()
    ours = cr.tensor(values, dtype=getattr(cr, dtype))
    np.testing.assert_array_equal(cr.round(ours, decimals=decimals).numpy(), expected)
    np.testing.assert_array_equal(ours.round(decimals=decimals).numpy(), expected)
    np.testing.assert_array_equal(chainrule.special.round(ours, decimals=decimals).numpy(), expected)
    assert ours.round_(decimals=decimals) is ours
    np.testing.assert_array_equal(ours.numpy(), expected)


def test_round_with_decimals_refuses_integers():
    assert cr.round(cr.tensor([3, 17])).tolist() == [3, 17]
    with pytest.raises(NotImplementedError, match="round: not implemented for"):
        cr.tensor([3, 17]).round(decimals=-1)


def test_mvlgamma_refuses_p_below_one():
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        cr.special.multigammaln(cr.tensor([3.0]), 0)


def test_in_place_mvlgamma_keeps_an_integer_tensor():
    with pytest.raises(RuntimeError, match="can't be cast"):
        cr.tensor([3, 4]).mvlgamma_(2)


@requires_torch
def test_special_has_torch_special_names_but_the_known_omissions():
    theirs = set(torch.special.__all__)
    ours = {name for name in dir(chainrule.special) if not name.startswith("_")}
    assert theirs - ours == chainrule.special.KNOWN_OMISSIONS
    assert all(callable(getattr(chainrule.special, name)) for name in theirs - chainrule.special.KNOWN_OMISSIONS)


def test_special_is_reached_as_an_attribute_and_by_import():
    assert cr.special is chainrule.special
    # each name has its own out= wrapper (_functions/out_argument.py) around the one op
    assert cr.special.gammaln.__wrapped__ is cr.lgamma.__wrapped__
    assert cr.special.expit.__wrapped__ is cr.sigmoid.__wrapped__ and cr.special.psi.__wrapped__ is cr.digamma.__wrapped__
