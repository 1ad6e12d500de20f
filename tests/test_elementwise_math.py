"""The elementwise functions of chainrule/_functions/elementwise_math.py against PyTorch: values on
broadcast, 0-d and empty inputs and at the edges (zeros, infinities, NaN), dtypes of integer and
bool inputs, float64 gradients (gradcheck, gradgradcheck and PyTorch's gradients through
check_op), in-place forms and bad input; frexp (_functions/float_parts.py) bit for bit."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch

EDGES = [0.0, -0.0, 1.5, -2.25, 3.0, math.inf, -math.inf, math.nan, 1e-30, -7.0, 1e200]
BINARY = ["logaddexp", "logaddexp2", "hypot", "fmax", "fmin", "copysign", "float_power"]
UNARY = ["sinc", "rad2deg", "deg2rad", "exp2", "frac", "logit", "signbit", "sgn"]


def _edge_pairs():
    first = np.array([[x] for x in EDGES])        # (11, 1)
    second = np.array(EDGES[::-1])                # (11,): every pair, broadcast
    return first, second


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_at_every_pair_of_edges(name):
    first, second = _edge_pairs()
    (a, ta), (b, tb) = both(first), both(second)
    assert_matches(getattr(cr, name)(a, b), getattr(torch, name)(ta, tb), rtol=1e-6)
    assert_matches(getattr(a, name)(b), getattr(ta, name)(tb), rtol=1e-6)


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", [((), ()), ((0, 3), (3,)), ((2, 1, 3), (4, 1)), ((), (2, 2))])
def test_binary_shapes(name, shapes):
    rng = np.random.default_rng(0)
    (a, ta), (b, tb) = both(rng.standard_normal(shapes[0])), both(rng.standard_normal(shapes[1]))
    assert_matches(getattr(cr, name)(a, b), getattr(torch, name)(ta, tb), rtol=1e-6)


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_at_the_edges(name):
    a, ta = both(EDGES)
    assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta), rtol=1e-6)
    assert_matches(getattr(a, name)(), getattr(ta, name)(), rtol=1e-6)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("values", [0.75, np.zeros((2, 0)), [[0.1, 0.4], [0.6, 0.9]]])
def test_unary_shapes(name, values):
    a, ta = both(values)
    assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta), rtol=1e-6)


def test_logit_with_eps_clamps():
    a, ta = both([0.0, 0.01, 0.5, 0.99, 1.0, 1.2, -0.3])
    assert_matches(cr.logit(a, eps=0.05), torch.logit(ta, eps=0.05), rtol=1e-6)
    assert_matches(a.logit(1e-6), ta.logit(1e-6), rtol=1e-6)


PROMOTING = ["sinc", "rad2deg", "deg2rad", "exp2", "logit", "signbit", "sgn"]


@pytest.mark.parametrize("name", PROMOTING)
@pytest.mark.parametrize("values", [[1, -2, 0, 3], [True, False]])
def test_integer_and_bool_inputs_get_torchs_dtype(name, values):
    a, ta = both(values)
    assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta), rtol=1e-6)


@pytest.mark.parametrize("name", ["fmax", "fmin", "copysign", "float_power"])
def test_integer_pairs_get_torchs_dtype(name):
    (a, ta), (b, tb) = both([1, -2, 0, 3]), both([2, -3, 0, -1])
    assert_matches(getattr(cr, name)(a, b), getattr(torch, name)(ta, tb))


@pytest.mark.parametrize("name", ["logaddexp", "logaddexp2", "hypot"])
def test_integer_pairs_are_refused_as_in_torch(name):
    (a, ta), (b, tb) = both([1, 2]), both([3, 4])
    assert_same_error(lambda: getattr(cr, name)(a, b), lambda: getattr(torch, name)(ta, tb), prefix=0)


def test_frac_of_integers_is_refused():
    a, ta = both([1, 2])
    assert_same_error(lambda: cr.frac(a), lambda: torch.frac(ta), prefix=0)


def test_copysign_and_float_power_with_numbers():
    a, ta = both([1.5, -2.0, 0.0])
    assert_matches(cr.copysign(a, -0.0), torch.copysign(ta, -0.0))
    assert_matches(cr.copysign(a, 2), torch.copysign(ta, 2))
    assert_matches(cr.float_power(a, 2), torch.float_power(ta, 2))
    assert_matches(cr.float_power(2, a), torch.float_power(2, ta))


def test_heaviside_values_dtypes_and_errors():
    a, ta = both([-1.5, 0.0, 2.0, -0.0])
    v, tv = both([0.5])
    assert_matches(cr.heaviside(a, v), torch.heaviside(ta, tv))
    (i, ti), (iv, tiv) = both([-2, 0, 3]), both(7)
    assert_matches(i.heaviside(iv), ti.heaviside(tiv))
    assert_same_error(lambda: cr.heaviside(a, iv), lambda: torch.heaviside(ta, tiv), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, shapes, positive", [
    (cr.logaddexp, torch.logaddexp, [(2, 3), (3,)], False),
    (cr.logaddexp2, torch.logaddexp2, [(2, 3), (2, 1)], False),
    (cr.hypot, torch.hypot, [(3, 2), (3, 2)], False),
    (cr.fmax, torch.fmax, [(2, 3), (3,)], False),
    (cr.fmin, torch.fmin, [(2, 3), (2, 3)], False),
    (cr.copysign, torch.copysign, [(2, 3), (2, 3)], False),
    (cr.float_power, torch.float_power, [(2, 3), (3,)], True),
    (cr.sinc, torch.sinc, [(2, 3)], False),
    (cr.rad2deg, torch.rad2deg, [(2, 3)], False),
    (cr.deg2rad, torch.deg2rad, [(4,)], False),
    (cr.exp2, torch.exp2, [(2, 3)], False),
    (cr.frac, torch.frac, [(2, 3)], False),
])
def test_gradients(fn, torch_fn, shapes, positive):
    check_op(fn, shapes, torch_fn=torch_fn, positive=positive)


def test_logit_gradients_inside_and_with_eps():
    check_op(lambda x: cr.logit(x.sigmoid()), [(2, 3)], torch_fn=lambda x: torch.logit(x.sigmoid()))
    check_op(lambda x: cr.logit(x.sigmoid(), 0.3), [(2, 3)], torch_fn=lambda x: torch.logit(x.sigmoid(), 0.3))


def test_gradients_at_ties_zeros_and_infinities_match_torch():
    cases = [("logaddexp", [1.0, -math.inf, 2.0], [1.0, -math.inf, -math.inf]),
             ("fmax", [1.0, math.nan, 2.0], [1.0, 3.0, math.nan]),
             ("fmin", [1.0, math.nan, 2.0], [1.0, 3.0, math.nan]),
             ("hypot", [0.0, 3.0, -4.0], [0.0, 4.0, 0.0]),
             ("copysign", [0.0, -1.0, 2.0], [-1.0, 1.0, -0.0])]
    for name, first, second in cases:
        (a, ta), (b, tb) = both(first, requires_grad=True), both(second, requires_grad=True)
        getattr(cr, name)(a, b).sum().backward()
        getattr(torch, name)(ta, tb).sum().backward()
        assert_matches(a.grad, ta.grad)
        # copysign's gradient for `other` is 0 in PyTorch; chainrule leaves it None (other only picks signs)
        assert_matches(cr.zeros_like(b) if b.grad is None else b.grad, tb.grad)
    x, tx = both([0.0, 1.0], requires_grad=True)
    cr.sinc(x).sum().backward()
    torch.sinc(tx).sum().backward()
    assert_matches(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["sinc", "rad2deg", "deg2rad", "exp2", "frac", "logit", "sgn"])
def test_unary_in_place(name):
    a, ta = both([0.2, 0.45, 0.8])
    assert getattr(a, name + "_")() is a
    assert_matches(a, getattr(ta, name + "_")(), rtol=1e-6)
    if hasattr(torch, name + "_"):
        b, tb = both([0.2, 0.45, 0.8])
        assert getattr(cr, name + "_")(b) is b
        assert_matches(b, getattr(torch, name + "_")(tb), rtol=1e-6)


@pytest.mark.parametrize("name", ["hypot", "copysign", "heaviside"])
def test_binary_in_place(name):
    (a, ta), (b, tb) = both([0.2, -0.45, 0.0]), both([1.0, 2.0, -3.0])
    assert getattr(a, name + "_")(b) is a
    assert_matches(a, getattr(ta, name + "_")(tb), rtol=1e-6)


def test_in_place_forms_that_change_the_dtype_are_refused():
    a, ta = cr.tensor([2.0, 3.0]), torch.tensor([2.0, 3.0])  # float32: float_power_ needs float64
    assert_same_error(lambda: a.float_power_(2), lambda: ta.float_power_(2), prefix=0)
    d, td = both([2.0, 3.0])  # float64
    assert_matches(d.float_power_(0.5), td.float_power_(0.5))
    i, ti = both([1, 2])
    assert_same_error(lambda: i.sinc_(), lambda: ti.sinc_(), prefix=0)


def test_fmax_keeps_the_promoted_dtype():
    (a, ta), (b, tb) = both([1, 5]), (cr.tensor([2.5, 3.0]), torch.tensor([2.5, 3.0]))
    assert_matches(cr.fmax(a, b), torch.fmax(ta, tb))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_frexp_is_exact_over_the_whole_range(dtype):
    rng = np.random.default_rng(0)
    with np.errstate(all="ignore"):  # values beyond float32's range become inf or 0, as intended
        values = np.concatenate([[0.0, -0.0, 1.0, 0.5, 3.0, -5.0, 1e-310, 5e-324, 1e300, math.inf, -math.inf,
                                  math.nan, 0.9999999999999999, 2.0 ** -1022, 2.0 ** 1023],
                                 rng.standard_normal(2000) * np.exp(rng.uniform(-700, 700, 2000))]).astype(dtype)
    a, ta = both(values)
    ours, theirs = cr.frexp(a), torch.frexp(ta)
    assert type(ours).__name__ == "frexp" and ours.mantissa is ours[0]
    np.testing.assert_array_equal(ours.mantissa.numpy(), theirs.mantissa.numpy())
    np.testing.assert_array_equal(np.signbit(ours.mantissa.numpy()), np.signbit(theirs.mantissa.numpy()))
    np.testing.assert_array_equal(ours.exponent.numpy(), theirs.exponent.numpy())
    assert ours.exponent.dtype == cr.int32  # as PyTorch's
    assert_matches(a.frexp().mantissa, ta.frexp().mantissa)


def test_frexp_gradient_and_integers():
    (a, ta) = both([3.0, -5.0, 0.75, 1e-5], requires_grad=True)
    cr.frexp(a).mantissa.sum().backward()
    torch.frexp(ta).mantissa.sum().backward()
    assert_matches(a.grad, ta.grad)
    i, ti = both([1, 2])
    assert_same_error(lambda: cr.frexp(i), lambda: torch.frexp(ti), prefix=0)
