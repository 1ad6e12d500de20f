"""The third batch of torch names against PyTorch: diag_embed/diagflat/diagonal_scatter/fill_diagonal_
(_functions/diagonals.py), the scatter forms (scatter_forms.py), the complex API on real tensors
(real_views.py), gcd/lcm (integer_math.py), combinations/vander (combinatorics.py), ldexp/rsub
(elementwise_math.py) and split_with_sizes/sum_to_size (stacking.py): values, gradients through
check_op and exception types."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)
R = rng.standard_normal


# ---- diagonals ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape, args", [((3,), ()), ((2, 3), (1, 0, 2)), ((2, 3), (-1, -1, 0)),
                                         ((2, 2, 3), (2, 1, 3)), ((0,), ()), ((2, 0), (1,))])
def test_diag_embed(shape, args):
    a, ta = both(R(shape))
    assert_matches(cr.diag_embed(a, *args), torch.diag_embed(ta, *args))
    assert_matches(a.diag_embed(*args), ta.diag_embed(*args))


@pytest.mark.parametrize("values, offset", [([[1, 2], [3, 4]], -1), ([1.0, 2.0, 3.0], 2), (5.0, 0), ([], 1)])
def test_diagflat(values, offset):
    a, ta = both(values)
    assert_matches(cr.diagflat(a, offset), torch.diagflat(ta, offset))
    assert_matches(a.diagflat(offset), ta.diagflat(offset))


@pytest.mark.parametrize("shape, wrap", [((3, 4), False), ((7, 3), True), ((7, 3), False), ((2, 2, 2), False),
                                         ((0, 0), False), ((3, 5), True), ((1, 1), True)])
def test_fill_diagonal_(shape, wrap):
    a, ta = both(np.zeros(shape))
    assert a.fill_diagonal_(5, wrap) is a
    assert_matches(a, ta.fill_diagonal_(5, wrap))


def test_fill_diagonal_errors():
    a, ta = both(np.zeros((2, 3, 4)))
    assert_same_error(lambda: a.fill_diagonal_(1), lambda: ta.fill_diagonal_(1), prefix=0)
    b, tb = both(np.zeros(3))
    assert_same_error(lambda: b.fill_diagonal_(1), lambda: tb.fill_diagonal_(1), prefix=0)


def test_diagonal_scatter():
    (a, ta), (s, ts) = both(R((3, 4))), both(R(3))
    assert_matches(cr.diagonal_scatter(a, s, 1), torch.diagonal_scatter(ta, ts, 1))
    assert_matches(a.diagonal_scatter(s[:2], -1), ta.diagonal_scatter(ts[:2], -1))
    assert_same_error(lambda: cr.diagonal_scatter(a, s[:2]), lambda: torch.diagonal_scatter(ta, ts[:2]), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda x: cr.diag_embed(x, 1, 0, 2), lambda x: torch.diag_embed(x, 1, 0, 2), [(2, 3)]),
    (lambda x: cr.diagflat(x, -2), lambda x: torch.diagflat(x, -2), [(2, 2)]),
    (lambda x, s: cr.diagonal_scatter(x, s, 1), lambda x, s: torch.diagonal_scatter(x, s, 1), [(3, 4), (3,)]),
])
def test_diagonal_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- scatter forms -----------------------------------------------------------------------------

X = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("call", [
    lambda m, x: m.index_fill(x, 1, m.tensor([0, 2]), -1.5),
    lambda m, x: m.index_fill(x, 0, m.tensor(-1), m.tensor(7.0, dtype=m.float64)),
    lambda m, x: x.index_fill(1, m.tensor([], dtype=m.int64), 3),
    lambda m, x: m.index_copy(x, 0, m.tensor([2, 0]), m.ones(2, 4, dtype=m.float64)),
    lambda m, x: x.index_copy(1, m.tensor([3]), m.full((3, 1), 9.0, dtype=m.float64)),
    lambda m, x: m.masked_scatter(x, m.tensor([True, False, True, False]), m.arange(100.0, dtype=m.float64)),
    lambda m, x: x.masked_scatter(x > 5, -m.arange(10.0, dtype=m.float64)),
    lambda m, x: m.index_put(x, (m.tensor([0, 2]),), m.tensor(5.0, dtype=m.float64)),
    lambda m, x: x.index_put((m.tensor([0, 0]), m.tensor([1, 1])), m.tensor([1.0, 2.0], dtype=m.float64), True),
    lambda m, x: m.select_scatter(x, m.ones(3, dtype=m.float64), 1, -1),
    lambda m, x: x.select_scatter(m.zeros(4, dtype=m.float64), 0, 1),
    lambda m, x: m.slice_scatter(x, m.ones(3, 2, dtype=m.float64), 1, 0, None, 2),
    lambda m, x: x.slice_scatter(m.ones(1, 4, dtype=m.float64), start=2),
    lambda m, x: m.put(x, m.tensor([0, -1, 5]), m.tensor([9.0, 8, 7], dtype=m.float64)),
    lambda m, x: x.put(m.tensor([0, 0]), m.tensor([9.0, 8], dtype=m.float64), True),
])
def test_scatter_forms_match_torch(call):
    a, ta = both(X)
    assert_matches(call(cr, a), call(torch, ta))
    assert_matches(a, ta)  # out of place: the input is unchanged


@pytest.mark.parametrize("call", [
    lambda m, x: x.index_fill_(1, m.tensor([1]), 0.5),
    lambda m, x: x.index_copy_(0, m.tensor([1]), m.ones(1, 4, dtype=m.float64)),
    lambda m, x: x.masked_scatter_(m.tensor([[True], [False], [True]]), m.arange(8.0, dtype=m.float64)),
    lambda m, x: m.index_put_(x, (m.tensor([1]),), m.tensor(3.0, dtype=m.float64)),
    lambda m, x: x.put_(m.tensor([3]), m.tensor([1.0], dtype=m.float64)),
])
def test_in_place_scatter_forms(call):
    a, ta = both(X)
    assert call(cr, a) is a
    call(torch, ta)
    assert_matches(a, ta)


@pytest.mark.parametrize("call", [
    lambda m, x: m.index_fill(x, 0, m.tensor([5]), 1.0),
    lambda m, x: m.index_fill(x, 0, m.tensor([0]), m.ones(2)),
    lambda m, x: m.masked_scatter(x, m.ones(3, 4), m.ones(12, dtype=m.float64)),
    lambda m, x: m.select_scatter(x, m.ones(5, dtype=m.float64), 1, 0),
    lambda m, x: m.slice_scatter(x, m.ones(3, 3, dtype=m.float64), 1, 0, None, 2),
    lambda m, x: m.put(x, m.tensor([0, 1]), m.ones(3, dtype=m.float64)),
])
def test_scatter_form_errors(call):
    a, ta = both(X)
    assert_same_error(lambda: call(cr, a), lambda: call(torch, ta), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda x, v: cr.index_fill(x, 1, cr.tensor([0, 2]), v.sum()),
     lambda x, v: torch.index_fill(x, 1, torch.tensor([0, 2]), v.sum()), [(3, 4), (2,)]),
    (lambda x, s: cr.index_copy(x, 0, cr.tensor([2, 0]), s),
     lambda x, s: torch.index_copy(x, 0, torch.tensor([2, 0]), s), [(3, 4), (2, 4)]),
    (lambda x, s: cr.masked_scatter(x, cr.tensor([True, False, True]), s),
     lambda x, s: torch.masked_scatter(x, torch.tensor([True, False, True]), s), [(2, 3), (5,)]),
    (lambda x, s: cr.select_scatter(x, s, 1, 2), lambda x, s: torch.select_scatter(x, s, 1, 2), [(3, 4), (3,)]),
    (lambda x, s: cr.slice_scatter(x, s, 0, 1), lambda x, s: torch.slice_scatter(x, s, 0, 1), [(3, 4), (2, 4)]),
    (lambda x, s: cr.put(x, cr.tensor([1, -2]), s), lambda x, s: torch.put(x, torch.tensor([1, -2]), s),
     [(3, 4), (2,)]),
    (lambda x, v: cr.index_put(x, (cr.tensor([0, 0]),), v, True),
     lambda x, v: torch.index_put(x, (torch.tensor([0, 0]),), v, True), [(3, 4), (2, 4)]),
])
def test_scatter_form_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- the complex API on real tensors -----------------------------------------------------------

@pytest.mark.parametrize("name", ["conj", "conj_physical", "resolve_conj", "resolve_neg", "real"])
def test_identities_on_real_tensors(name):
    a, ta = both(R((2, 3)))
    assert getattr(cr, name)(a) is a and getattr(torch, name)(ta) is ta
    if hasattr(ta, name) and callable(getattr(ta, name)):
        assert getattr(a, name)() is a
    assert a.real is a and not cr.is_conj(a) and not a.is_neg()


def test_imag_isreal_angle_adjoint():
    a, ta = both([[-1.5, 0.0, 2.0], [math.nan, -0.0, -3.0]])
    assert_same_error(lambda: cr.imag(a), lambda: torch.imag(ta), prefix=0)
    assert_same_error(lambda: a.imag, lambda: ta.imag, prefix=0)
    assert_matches(cr.isreal(a), torch.isreal(ta))
    assert_matches(cr.angle(a), torch.angle(ta))
    i, ti = both([-2, 0, 3])
    assert_matches(i.angle(), ti.angle())
    assert_matches(cr.adjoint(a), torch.adjoint(ta))
    assert_matches(a.mH, ta.mH)
    assert_matches(a.H, ta.H)
    b, tb = both(R((2, 3, 4)))
    assert_matches(b.mH, tb.mH)
    assert_same_error(lambda: b.H, lambda: tb.H, prefix=0)
    assert_same_error(lambda: b[0, 0].mH, lambda: tb[0, 0].mH, prefix=0)
    assert_same_error(lambda: cr.adjoint(b[0, 0]), lambda: torch.adjoint(tb[0, 0]), prefix=0)


# ---- gcd/lcm, combinations/vander, ldexp/rsub, split_with_sizes/sum_to_size --------------------

@pytest.mark.parametrize("first, second", [([12, -18, 0, 0, 7, 2**40], [8, 12, 5, 0, -14, 2**20 * 3]),
                                           ([[12], [9]], 6), ([4, -6, 0], [6, 4, 5])])
def test_gcd_lcm(first, second):
    (a, ta), (b, tb) = both(first), both(second)
    for name in ("gcd", "lcm"):
        assert_matches(getattr(cr, name)(a, b), getattr(torch, name)(ta, tb))
        assert_matches(getattr(a, name)(b), getattr(ta, name)(tb))
    c, tc = both(first)
    assert cr.gcd_(c, b) is c
    assert_matches(c, torch.gcd_(tc, tb))


def test_gcd_of_floats_is_refused():
    a, ta = both([1.0])
    assert_same_error(lambda: cr.gcd(a, a), lambda: torch.gcd(ta, ta), prefix=0)


@pytest.mark.parametrize("values, r, replace", [([1, 2, 3], 2, False), ([1, 2, 3], 2, True), ([1.0, 2, 3, 4], 3, False),
                                                ([1, 2], 3, False), ([1, 2], 0, False), ([], 2, True),
                                                ([5.0], 1, False)])
def test_combinations(values, r, replace):
    a, ta = both(np.array(values, dtype=np.int64 if values and isinstance(values[0], int) else np.float64))
    assert_matches(cr.combinations(a, r, replace), torch.combinations(ta, r, replace))


@pytest.mark.parametrize("values, n, increasing", [([1, 2, 3], None, False), ([1.0, 2], 3, True),
                                                   ([0.0, -2.5], 4, False), ([1.0, 2], 0, False),
                                                   ([True, False], None, True)])
def test_vander(values, n, increasing):
    a, ta = both(values)
    assert_matches(cr.vander(a, n, increasing), torch.vander(ta, n, increasing))


def test_ldexp_rsub():
    (a, ta), (e, te) = both([1.0, 2.0, -3.0]), both([3, -1, 0])
    assert_matches(cr.ldexp(a, e), torch.ldexp(ta, te))
    assert_matches(a.ldexp(e), ta.ldexp(te))
    i, ti = both([1, 2, 3])
    assert_matches(cr.ldexp(i, e), torch.ldexp(ti, te))
    assert_matches(cr.rsub(a, 5), torch.rsub(ta, 5))
    assert_matches(cr.rsub(a, i, alpha=2), torch.rsub(ta, ti, alpha=2))


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda a, b: cr.ldexp(a, b.round()), lambda a, b: torch.ldexp(a, b.round()), [(2, 3), (3,)]),
    (lambda a, b: cr.rsub(a, b, alpha=3), lambda a, b: torch.rsub(a, b, alpha=3), [(2, 3), (3,)]),
    (lambda x: cr.vander(x, 4), None, [(3,)]),  # PyTorch's vander backward fails (an in-place cumprod)
    (lambda x: cr.combinations(x, 2, True), lambda x: torch.combinations(x, 2, True), [(4,)]),
    (lambda x: x.sum_to_size(1, 3), lambda x: x.sum_to_size(1, 3), [(2, 4, 3)]),
    (lambda x: cr.split_with_sizes(x, [1, 3], 1), lambda x: torch.split_with_sizes(x, [1, 3], 1), [(2, 4)]),
])
def test_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


def test_vander_gradient_at_zero_is_finite():
    a = cr.tensor([0.0, 2.0], dtype=cr.float64, requires_grad=True)
    cr.vander(a, 3).sum().backward()  # d/dx (x**2 + x + 1) = 2x + 1
    assert a.grad.tolist() == [1.0, 5.0]


@pytest.mark.parametrize("size", [(1, 3), (3,), (2, 3), (2, 1), (1,)])
def test_sum_to_size(size):
    a, ta = both(R((2, 3)))
    assert_matches(a.sum_to_size(*size), ta.sum_to_size(*size))
    assert_matches(a.sum_to_size(size), ta.sum_to_size(size))


def test_split_with_sizes_and_sum_to_size_errors():
    a, ta = both(R((2, 3)))
    assert_matches(cr.split_with_sizes(a, [1, 2], 1), torch.split_with_sizes(ta, [1, 2], 1))
    assert_matches(a.split_with_sizes([2, 0]), ta.split_with_sizes([2, 0]))
    assert_same_error(lambda: a.split_with_sizes([1, 1], 1), lambda: ta.split_with_sizes([1, 1], 1), prefix=0)
    assert_same_error(lambda: a.sum_to_size(2, 2), lambda: ta.sum_to_size(2, 2), prefix=0)
    assert_same_error(lambda: a.sum_to_size(1, 2, 3), lambda: ta.sum_to_size(1, 2, 3), prefix=0)
