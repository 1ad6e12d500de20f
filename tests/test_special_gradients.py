"""Gradients at the edges of their formulas (NaN, +-inf, 0 ** 0, probabilities of 0 and 1, ties,
empty inputs) against PyTorch's, value for value with NaN where PyTorch has NaN; and xlogy, the op
kl_div is made of (issue 15: what the fuzz suite found in the backward passes)."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

pytestmark = requires_torch

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -3.0]


def grid(values):
    """Every (x, y) of values, as two float64 arrays."""
    xs, ys = np.meshgrid(np.asarray(values), np.asarray(values))
    return xs.ravel(), ys.ravel()


def gradients(lib, fn, arrays, weights=None):
    """fn(*leaves) for float64 leaves holding arrays, and each leaf's gradient of sum(out * weights)."""
    leaves = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in arrays]
    out = fn(lib, *leaves)
    (out * (1.0 if weights is None else lib.tensor(weights, dtype=lib.float64))).sum().backward()
    return [out.detach().numpy()] + [leaf.grad.numpy() for leaf in leaves]


def assert_matches_torch(fn, *arrays, weights=None):
    for ours, theirs in zip(gradients(cr, fn, arrays, weights), gradients(torch, fn, arrays, weights)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0, equal_nan=True)


def test_relu_passes_the_gradient_through_nan():
    assert_matches_torch(lambda lib, x: lib.relu(x), np.array(SPECIAL))


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_and_minimum_give_both_sides_the_gradient_at_nan_and_split_ties(op):
    assert_matches_torch(lambda lib, x, y: getattr(lib, op)(x, y), *grid(SPECIAL))


@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_gradients_are_nan_for_a_nan_result_and_split_ties(op):
    rows = np.array([[math.nan, 1.0, 2.0], [2.0, 2.0, -1.0], [-0.0, 0.0, 5.0], [math.inf, math.inf, 1.0]])
    assert_matches_torch(lambda lib, x: getattr(x, op)(dim=1), rows, weights=[1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian"])
def test_reductions_over_all_elements_split_their_gradient_among_ties_and_nans(op):
    for values in ([0.0, 0.0, 1.0], [math.nan, 0.0, 1.0], [math.nan, math.nan, 1.0], [2.0, 2.0, 2.0, 2.0]):
        assert_matches_torch(lambda lib, x: getattr(x, op)(), np.array(values))


def test_median_of_an_empty_tensor_is_nan_in_the_graph():
    assert_matches_torch(lambda lib, x: x.median(), np.zeros((0, 3)))
    assert cr.zeros(0, requires_grad=True).median().grad_fn.name() == "MedianBackward0"


def test_prod_of_one_number_passes_the_gradient_also_at_inf():
    for value in (math.inf, -math.inf, 0.0, 3.0):
        assert_matches_torch(lambda lib, x: x.prod(), np.array(value))


def test_pow_base_gradient_is_zero_where_the_exponent_is_zero():
    assert_matches_torch(lambda lib, x, y: lib.pow(x, y), np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, 1.0, 0.0, 2.0]))
    assert_matches_torch(lambda lib, x: x ** 0.0, np.array([0.0, 1.0, -2.0]))


def test_binary_cross_entropy_gradients_at_probabilities_zero_and_one():
    x, t = np.array([1.0, 0.0, 0.3, 1.0, 0.0]), np.array([0.5, 0.5, 0.2, 1.0, 0.0])
    for reduction in ("sum", "mean", "none"):
        assert_matches_torch(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(x, t, reduction=reduction), x, t)
    assert_matches_torch(lambda lib, x, t: lib.nn.functional.binary_cross_entropy(
        x, t, weight=lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=lib.float64)), x, t)


def test_binary_cross_entropy_second_derivative_matches_torch():
    check_op(lambda x, t: cr.nn.functional.binary_cross_entropy(x.sigmoid(), t.sigmoid()), [(3, 4), (3, 4)],
             torch_fn=lambda x, t: torch.nn.functional.binary_cross_entropy(x.sigmoid(), t.sigmoid()))


@pytest.mark.parametrize("loss,kwargs", [("smooth_l1_loss", {"beta": 1.0}), ("smooth_l1_loss", {"beta": 0.25}),
                                         ("huber_loss", {"delta": 0.5}), ("huber_loss", {"delta": 2.0})])
def test_smooth_l1_and_huber_gradients_at_infinite_and_nan_differences(loss, kwargs):
    x, t = grid([math.nan, math.inf, -math.inf, 0.0, 0.3, -2.0, 5.0])
    assert_matches_torch(lambda lib, x, t: getattr(lib.nn.functional, loss)(x, t, **kwargs), x, t)
    check_op(lambda x, t: getattr(cr.nn.functional, loss)(x, t, **kwargs), [(3, 4), (3, 4)],
             torch_fn=lambda x, t: getattr(torch.nn.functional, loss)(x, t, **kwargs))


def test_atan2_gradients_are_zero_where_the_squares_sum_to_zero():
    """PyTorch's form (found by the long fuzz run): g y / r2 and -g x / r2 through 1 / r2, taken as
    0 where r2 = x**2 + y**2 is 0, at the origin and where the squares underflow (1e-200)."""
    assert_matches_torch(lambda lib, y, x: lib.atan2(y, x), *grid(SPECIAL + [1e-200, -1e-160]))
    check_op(lambda y, x: cr.atan2(y, x), [(3, 4), (4,)], torch_fn=torch.atan2)


@pytest.mark.parametrize("p", [math.inf, -math.inf])
def test_inf_norm_passes_a_nan_gradient_to_every_element(p):
    """PyTorch's inf-norm backward is g / count * mask: a NaN or inf g reaches the elements off the
    extreme as 0 * g (found by the long fuzz run: normalize([inf, 2.46], p=inf) has gradient NaN, NaN)."""
    for values in ([math.inf, 2.46], [3.0, -3.0, 1.0], [math.nan, 2.0], [0.0, 2.0]):
        assert_matches_torch(lambda lib, x: lib.nn.functional.normalize(x, p=p, dim=0), np.array(values),
                             weights=np.cos(np.arange(len(values))))
        assert_matches_torch(lambda lib, x: x.norm(p) * math.inf, np.array(values))


def test_kl_div_target_gradient_at_zero_is_nan_as_torch():
    x, t = np.array([[-2.0, 2.0, 0.5]]), np.array([[0.0, 1.5, 0.25]])
    assert_matches_torch(lambda lib, x, t: lib.nn.functional.kl_div(x, t, reduction="sum"), x, t)


# ---------------------------------------------------------------------------------------- xlogy

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_xlogy_over_special_values_matches_torch(dtype):
    x, y = (a.astype(dtype) for a in grid(SPECIAL))
    ours, theirs = cr.xlogy(cr.tensor(x), cr.tensor(y)), torch.xlogy(torch.tensor(x), torch.tensor(y))
    assert ours.dtype == getattr(cr, dtype)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=0, equal_nan=True)


def test_xlogy_gradients_at_special_values_match_torch():
    assert_matches_torch(lambda lib, x, y: lib.xlogy(x, y), *grid(SPECIAL))
    check_op(lambda x, y: cr.xlogy(x, y), [(3, 4), (4,)], torch_fn=torch.xlogy, positive=True)


def test_xlogy_promotes_integers_and_takes_numbers_and_runs_in_place():
    ints = cr.tensor([0, 1, 2]), cr.tensor([0, 2, 3])
    assert cr.xlogy(*ints).dtype == cr.float32
    np.testing.assert_allclose(cr.xlogy(*ints).numpy(), torch.xlogy(torch.tensor([0, 1, 2]), torch.tensor([0, 2, 3])))
    np.testing.assert_allclose(cr.xlogy(2, cr.tensor([0.5, 2.0])).numpy(), torch.xlogy(2, torch.tensor([0.5, 2.0])))
    t = cr.tensor([0.5, 2.0])
    np.testing.assert_allclose(t.xlogy(3).numpy(), torch.tensor([0.5, 2.0]).xlogy(3))
    assert t.xlogy_(cr.tensor([1.0, math.e])) is t
    np.testing.assert_allclose(t.numpy(), [0.0, 2.0], atol=1e-7)


@pytest.mark.parametrize("exponent", [0.5, -0.5, 2, 3, -1, -2, 1.5])
def test_a_number_exponent_gives_pytorchs_values_at_signed_zeros_and_infinities(exponent):
    """PyTorch computes x ** 0.5 and x ** -0.5 as sqrt and rsqrt (found by the long fuzz run):
    (-0) ** -0.5 is -inf and (-inf) ** 0.5 is NaN there, where C's pow gives +inf and +inf."""
    values = [-math.inf, -4.0, -0.0, 0.0, 0.25, 2.0, math.inf, math.nan]
    ours = (cr.tensor(values) ** exponent).numpy()
    theirs = (torch.tensor(values) ** exponent).numpy()
    np.testing.assert_array_equal(np.signbit(ours[~np.isnan(ours)]), np.signbit(theirs[~np.isnan(theirs)]))
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, equal_nan=True)
