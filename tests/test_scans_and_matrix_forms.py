"""aminmax/cummax/cummin (_functions/extrema.py), logcumsumexp and cumsum_/cumprod_ (scans.py),
isin/argwhere/unravel_index (membership.py), addr/ger/addbmm/chain_matmul/matrix_power
(matrix_products.py), cov/corrcoef (covariance.py), mode (extrema.py) and histogram (histograms.py)
against PyTorch: values, named results, float64 gradients through check_op, and exception types."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)
R = rng.standard_normal


# ---- extrema and scans -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["cummax", "cummin"])
@pytest.mark.parametrize("values, dim", [([[1.0, 3, 3, 2, math.nan, 5], [2, 2, 1, 4, 0, 0]], 1),
                                         ([[1.0, 3, 3], [2, 2, 1]], 0), ([[4, 1, 4, 7]], -1), (2.5, 0),
                                         (np.zeros((0, 3)), 0), (np.zeros((2, 0)), 1), ([True, False, True], 0)])
def test_cummax_cummin_values_ties_and_nan(name, values, dim):
    a, ta = both(values)
    ours, theirs = getattr(cr, name)(a, dim), getattr(torch, name)(ta, dim)
    assert_matches(tuple(ours), tuple(theirs))
    assert_matches(getattr(a, name)(dim).indices, theirs.indices)
    assert type(ours).__name__ == name and ours.values is ours[0]


@pytest.mark.parametrize("name", ["cummax", "cummin"])
def test_cummax_cummin_gradients_go_to_the_positions(name):
    check_op(lambda x: getattr(cr, name)(x, 1).values, [(3, 5)],
             torch_fn=lambda x: getattr(torch, name)(x, 1).values)
    (a, ta) = both([[1.0, 1.0, 0.5, 1.0]], requires_grad=True)  # ties: the later position wins
    getattr(cr, name)(a, 1).values.sum().backward()
    getattr(torch, name)(ta, 1).values.sum().backward()
    assert_matches(a.grad, ta.grad)


def test_cummax_dim_out_of_range():
    a, ta = both([1.0, 2.0])
    assert_same_error(lambda: cr.cummax(a, 1), lambda: torch.cummax(ta, 1), prefix=0)


@pytest.mark.parametrize("values, kwargs", [([[1, 5], [3, 2]], {}), ([[1, 5], [3, 2]], {"dim": 1}),
                                            ([[1.0, 5], [3, 2]], {"dim": 0, "keepdim": True}),
                                            ([[1.0, 5], [3, 2]], {"keepdim": True}), (4.0, {}),
                                            ([1.0, math.nan, 2.0], {})])
def test_aminmax(values, kwargs):
    a, ta = both(values)
    ours, theirs = cr.aminmax(a, **kwargs), torch.aminmax(ta, **kwargs)
    assert_matches(tuple(ours), tuple(theirs))
    assert ours.min is ours[0] and type(ours).__name__ == "aminmax"
    assert_matches(tuple(a.aminmax(**kwargs)), tuple(theirs))


def test_aminmax_of_empty_is_refused_and_gradients():
    e, te = both(np.zeros(0))
    assert_same_error(lambda: cr.aminmax(e), lambda: torch.aminmax(te), prefix=0)
    check_op(lambda x: cr.aminmax(x, dim=1).max, [(3, 4)], torch_fn=lambda x: torch.aminmax(x, dim=1).max)


@pytest.mark.parametrize("values, dim", [([-1000.0, 0.0, -math.inf, 5.0], 0), ([[1.0, 2], [3, 4]], 0),
                                         ([[1.0, 2], [3, 4]], -1), (1.5, 0), (np.zeros((0, 2)), 0),
                                         ([-math.inf, -math.inf, 1.0], 0), ([math.inf, 1.0, math.nan], 0)])
def test_logcumsumexp_values(values, dim):
    a, ta = both(values)
    assert_matches(cr.logcumsumexp(a, dim), torch.logcumsumexp(ta, dim))
    assert_matches(a.logcumsumexp(dim), ta.logcumsumexp(dim))


def test_logcumsumexp_gradients_and_errors():
    check_op(lambda x: cr.logcumsumexp(x, 1), [(2, 5)], torch_fn=lambda x: torch.logcumsumexp(x, 1))
    i, ti = both([1, 2])
    assert_same_error(lambda: cr.logcumsumexp(i, 0), lambda: torch.logcumsumexp(ti, 0), prefix=0)


@pytest.mark.parametrize("name", ["cumsum_", "cumprod_"])
def test_in_place_scans(name):
    a, ta = both(R((3, 4)))
    assert getattr(a, name)(1) is a
    assert_matches(a, getattr(ta, name)(1))
    i, ti = both([[1, 2], [3, 4]])
    assert_matches(getattr(i, name)(0), getattr(ti, name)(0))


# ---- membership --------------------------------------------------------------------------------

@pytest.mark.parametrize("elements, test, kwargs", [
    ([1, 2, 3, 4], [2, 4, 9], {}), ([[1.0, 2], [math.nan, 4]], [4.0, math.nan, 1], {}),
    ([1, 2, 3], [2.0, 3.5], {"invert": True}), ([1, 2], [], {}), (np.zeros((0, 2)), [1.0], {}),
    ([1.5, 2.0], [2.0], {"assume_unique": True}), (3, [1, 3], {}), ([1, 2], 2, {}),
])
def test_isin(elements, test, kwargs):
    ours_e, theirs_e = both(elements) if not isinstance(elements, int) else (elements, elements)
    ours_t, theirs_t = both(test) if not isinstance(test, int) else (test, test)
    assert_matches(cr.isin(ours_e, ours_t, **kwargs), torch.isin(theirs_e, theirs_t, **kwargs))


def test_isin_refuses_bool_as_torch():
    (a, ta), (b, tb) = both([True, False]), both([True])
    assert_same_error(lambda: cr.isin(a, b), lambda: torch.isin(ta, tb), prefix=0)


@pytest.mark.parametrize("values", [[[0, 1], [2, 0]], [0.0, 1.5, 0.0], 5, 0, np.zeros((2, 0)), [[True, False]]])
def test_argwhere(values):
    a, ta = both(values)
    assert_matches(cr.argwhere(a), torch.argwhere(ta))
    assert_matches(a.argwhere(), ta.argwhere())


@pytest.mark.parametrize("indices, shape", [([4, -1, 0], (2, 3)), (5, 6), ([[7, 23], [0, 11]], (2, 3, 4)),
                                            ([3], [4]), ([0], ())])
def test_unravel_index(indices, shape):
    i, ti = both(indices)
    assert_matches(cr.unravel_index(i, shape), torch.unravel_index(ti, shape))


def test_unravel_index_errors():
    f, tf = both([1.0])
    assert_same_error(lambda: cr.unravel_index(f, (2, 3)), lambda: torch.unravel_index(tf, (2, 3)), prefix=0)
    i, ti = both([1])
    assert_same_error(lambda: cr.unravel_index(i, (2, -3)), lambda: torch.unravel_index(ti, (2, -3)), prefix=0)


# ---- matrix products ---------------------------------------------------------------------------

@pytest.mark.parametrize("beta, alpha", [(1, 1), (0.5, 2.0), (0, 1)])
def test_addr_and_addbmm(beta, alpha):
    (m, tm), (v, tv), (w, tw) = both(R((2, 3))), both(R(2)), both(R(3))
    assert_matches(cr.addr(m, v, w, beta=beta, alpha=alpha), torch.addr(tm, tv, tw, beta=beta, alpha=alpha))
    (b1, tb1), (b2, tb2) = both(R((4, 2, 5))), both(R((4, 5, 3)))
    assert_matches(cr.addbmm(m, b1, b2, beta=beta, alpha=alpha), torch.addbmm(tm, tb1, tb2, beta=beta, alpha=alpha))
    (r, tr) = both(R(3))  # broadcast input
    assert_matches(r.addbmm(b1, b2, beta=beta, alpha=alpha), tr.addbmm(tb1, tb2, beta=beta, alpha=alpha))
    assert_matches(m.addr_(v, w, beta=beta, alpha=alpha), tm.addr_(tv, tw, beta=beta, alpha=alpha))
    assert_matches(m.addbmm_(b1, b2, beta=beta, alpha=alpha), tm.addbmm_(tb1, tb2, beta=beta, alpha=alpha))


def test_addr_of_integers_ger_and_beta_zero_ignores_nan():
    (m, tm), (v, tv), (w, tw) = both(np.ones((2, 3))), both([1, 2]), both([1, 2, 3])
    assert_matches(cr.addr(m, v, w), torch.addr(tm, tv, tw))
    assert_matches(cr.ger(v, w), torch.ger(tv, tw))
    assert_matches(v.ger(w), tv.ger(tw))
    n, tn = both(np.full((2, 3), math.nan))
    assert_matches(cr.addr(n, v.double(), w.double(), beta=0), torch.addr(tn, tv.double(), tw.double(), beta=0))


def test_matrix_products_errors():
    (m, tm), (v, tv) = both(R((2, 3))), both(R((2, 2)))
    assert_same_error(lambda: cr.addr(m, v, v), lambda: torch.addr(tm, tv, tv), prefix=0)
    (b, tb), (c, tc) = both(R((2, 2, 2))), both(R((3, 2, 3)))  # batch sizes differ
    assert_same_error(lambda: cr.addbmm(m, b, c), lambda: torch.addbmm(tm, tb, tc), prefix=0)
    assert_same_error(lambda: cr.matrix_power(m, 2), lambda: torch.matrix_power(tm, 2), prefix=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: cr.chain_matmul(v[0]), lambda: torch.chain_matmul(tv[0]), prefix=0)
    well_conditioned, torch_well_conditioned = both([[2.0, 1.0], [1.0, 3.0]])  # negative powers invert it
    assert_matches(cr.matrix_power(well_conditioned, -2), torch.matrix_power(torch_well_conditioned, -2), rtol=1e-5)


def test_chain_matmul_warns_and_multiplies():
    pairs = [both(R(s)) for s in ((2, 3), (3, 4), (4, 1))]
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        ours = cr.chain_matmul(*[p[0] for p in pairs])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches(ours, torch.chain_matmul(*[p[1] for p in pairs]))
        assert_matches(cr.chain_matmul(pairs[0][0]), torch.chain_matmul(pairs[0][1]))


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 8])
def test_matrix_power(n):
    (a, ta), (i, ti) = both(R((3, 2, 2)) / 2), both([[1, 1], [1, 0]])
    assert_matches(cr.matrix_power(a, n), torch.matrix_power(ta, n))
    assert_matches(a.matrix_power(n), ta.matrix_power(n))
    assert_matches(cr.matrix_power(i, n), torch.matrix_power(ti, n))


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda m, v, w: cr.addr(m, v, w, beta=0.5, alpha=2), lambda m, v, w: torch.addr(m, v, w, beta=0.5, alpha=2),
     [(2, 3), (2,), (3,)]),
    (lambda m, a, b: cr.addbmm(m, a, b), lambda m, a, b: torch.addbmm(m, a, b), [(2, 3), (4, 2, 5), (4, 5, 3)]),
    (lambda a: cr.matrix_power(a, 3), lambda a: torch.matrix_power(a, 3), [(2, 3, 3)]),
    (lambda a, b: cr.ger(a, b), lambda a, b: torch.ger(a, b), [(2,), (3,)]),
])
def test_matrix_product_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- covariance --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 5), (5,), (1, 4), (2, 3)])
@pytest.mark.parametrize("correction", [0, 1, 2])
def test_cov_and_corrcoef(shape, correction):
    a, ta = both(R(shape))
    assert_matches(cr.cov(a, correction=correction), torch.cov(ta, correction=correction))
    assert_matches(a.cov(correction=correction), ta.cov(correction=correction))
    assert_matches(cr.corrcoef(a), torch.corrcoef(ta))
    assert_matches(a.corrcoef(), ta.corrcoef())


def test_cov_with_weights_integers_and_errors():
    (a, ta), (fw, tfw), (aw, taw) = both(R((3, 5))), both([1, 2, 1, 3, 1]), both(rng.random(5))
    for kwargs in ({"fweights": (fw, tfw)}, {"aweights": (aw, taw)}, {"fweights": (fw, tfw), "aweights": (aw, taw)}):
        ours = cr.cov(a, correction=1, **{k: v[0] for k, v in kwargs.items()})
        assert_matches(ours, torch.cov(ta, correction=1, **{k: v[1] for k, v in kwargs.items()}))
    i, ti = both([[1, 2, 3], [2, 5, 1]])
    assert_matches(cr.cov(i), torch.cov(ti))
    assert_same_error(lambda: cr.cov(a, fweights=aw), lambda: torch.cov(ta, fweights=taw), prefix=0)
    assert_same_error(lambda: cr.cov(a, aweights=fw), lambda: torch.cov(ta, aweights=tfw), prefix=0)
    assert_same_error(lambda: cr.cov(a.reshape(3, 5, 1)), lambda: torch.cov(ta.reshape(3, 5, 1)), prefix=0)
    assert_same_error(lambda: cr.cov(a, fweights=-fw), lambda: torch.cov(ta, fweights=-tfw), prefix=0)


def test_cov_without_degrees_of_freedom_warns():
    a, ta = both([[1.0, 2.0]])
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        ours = cr.cov(a, correction=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches(ours, torch.cov(ta, correction=3))


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (cr.cov, torch.cov, [(3, 5)]),
    (lambda x, w: cr.cov(x, aweights=w.abs()), lambda x, w: torch.cov(x, aweights=w.abs()), [(2, 4), (4,)]),
    (cr.corrcoef, torch.corrcoef, [(3, 6)]),
])
def test_covariance_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- mode and histogram ------------------------------------------------------------------------

@pytest.mark.parametrize("values, dim, keepdim", [([[1.0, 2, 2, 3, 3, 1], [5, 5, 4, 4, 4, 0]], -1, False),
                                                  ([[1.0, 2, 2, 3, 3, 1], [5, 5, 4, 4, 4, 0]], 0, True),
                                                  ([2, 1, 2, 1], 0, False), (3.0, 0, False),
                                                  (np.zeros((2, 0)), 0, False), ([[True, False, False]], 1, False)])
def test_mode(values, dim, keepdim):
    a, ta = both(values)
    ours, theirs = cr.mode(a, dim, keepdim), torch.mode(ta, dim, keepdim)
    assert_matches(tuple(ours), tuple(theirs))
    assert type(ours).__name__ == "mode"
    assert_matches(tuple(a.mode(dim, keepdim=keepdim)), tuple(theirs))


def test_mode_of_an_empty_dim_and_gradient():
    e, te = both(np.zeros((0, 3)))
    assert_same_error(lambda: cr.mode(e, 0), lambda: torch.mode(te, 0), prefix=0)
    a, ta = both([[1.0, 2, 1], [3, 3, 0]], requires_grad=True)
    cr.mode(a, 1).values.sum().backward()
    torch.mode(ta, 1).values.sum().backward()
    assert_matches(a.grad, ta.grad)


@pytest.mark.parametrize("values, bins, kwargs", [([1.0, 2, 1, 4, 5], 4, {}),
                                                  ([1.0, 2, 1, 4, 5], 4, {"range": (0.0, 4.0)}),
                                                  ([1.0, 2, 1, 4, 5], 3, {"density": True}), ([3.0, 3.0], 2, {}),
                                                  ([], 2, {}), (np.linspace(-1, 1, 101), 7, {"range": (-0.5, 0.5)}),
                                                  (rng.standard_normal(1000), 13, {})])
def test_histogram_with_a_number_of_bins(values, bins, kwargs):
    a, ta = both(values)
    ours, theirs = cr.histogram(a, bins, **kwargs), torch.histogram(ta, bins, **kwargs)
    assert_matches(tuple(ours), tuple(theirs))
    assert ours.hist is ours[0] and type(ours).__name__ == "histogram"


def test_histogram_with_edges_weights_and_errors():
    (a, ta), (e, te), (w, tw) = both([1.0, 2, 1, 4, 5, 1.5]), both([0.0, 1.5, 5.0]), both([1.0, 2, 3, 4, 5, 6])
    assert_matches(tuple(cr.histogram(a, e, weight=w)), tuple(torch.histogram(ta, te, weight=tw)))
    assert_matches(tuple(a.histogram(e, density=True)), tuple(ta.histogram(te, density=True)))
    i, ti = both([1, 2])
    assert_same_error(lambda: cr.histogram(i, 2), lambda: torch.histogram(ti, 2), prefix=0)
    assert_same_error(lambda: cr.histogram(a, 2, range=(5.0, 1.0)), lambda: torch.histogram(ta, 2, range=(5.0, 1.0)),
                      prefix=0)
    f, tf = both([1.0, math.inf])
    assert_same_error(lambda: cr.histogram(f, 2), lambda: torch.histogram(tf, 2), prefix=0)
