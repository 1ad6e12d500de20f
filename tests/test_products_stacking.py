"""Products, stacking/splitting and integration composed in Python (chainrule/_functions/products.py,
stacking.py, integration.py, histograms.py) against PyTorch: values on several shapes (0-d, empty,
broadcast), dtypes, float64 gradients through check_op, views, and PyTorch's exception types."""
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)


def _pair(shape_a, shape_b):
    return both(rng.standard_normal(shape_a)), both(rng.standard_normal(shape_b))


# ---- products ----------------------------------------------------------------------------------

@pytest.mark.parametrize("shapes, dim", [(((3,), (3,)), 0), (((4, 3), (4, 3)), 1), (((3, 5), (3, 1)), 0),
                                         (((2, 3, 4), (1, 3, 4)), -2), (((0, 3), (0, 3)), 1)])
def test_cross_values(shapes, dim):
    (a, ta), (b, tb) = _pair(*shapes)
    assert_matches(cr.cross(a, b, dim=dim), torch.cross(ta, tb, dim=dim))
    assert_matches(a.cross(b, dim), ta.cross(tb, dim))


def test_cross_without_dim_warns_and_takes_the_first_size_3_dim():
    (a, ta), (b, tb) = _pair((2, 3, 3), (2, 3, 3))
    with pytest.warns(UserWarning, match="without specifying the dim"):
        ours = cr.cross(a, b)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_matches(ours, torch.cross(ta, tb))


@pytest.mark.parametrize("shapes, dim", [(((2, 4), (2, 4)), 1), (((2, 3), (3,)), 1), (((2, 4), (2, 4)), None)])
def test_cross_errors(shapes, dim):
    (a, ta), (b, tb) = _pair(*shapes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: cr.cross(a, b, dim=dim), lambda: torch.cross(ta, tb, dim=dim), prefix=0)


@pytest.mark.parametrize("shapes", [((2,), (3,)), ((2, 3), (2, 2)), ((2,), (2, 3)), ((2, 1, 2), (3, 2)),
                                    ((), (2, 2)), ((0, 2), (2, 3))])
def test_kron_values(shapes):
    (a, ta), (b, tb) = _pair(*shapes)
    assert_matches(cr.kron(a, b), torch.kron(ta, tb))
    assert_matches(a.kron(b), ta.kron(tb))


def test_kron_of_integers():
    (a, ta), (b, tb) = both([[1, 2], [3, 4]]), both([1, -1])
    assert_matches(cr.kron(a, b), torch.kron(ta, tb))


@pytest.mark.parametrize("shapes, dims", [(((2, 3, 4), (3, 4, 5)), 2), (((2, 3), (3, 2)), 0),
                                          (((2, 3), (3, 2)), 1), (((2, 3), (3, 2)), ([0, 1], [1, 0])),
                                          (((4, 3, 2), (2, 3)), ([1, 2], [1, 0])), (((3,), (3,)), 1),
                                          (((2, 0), (0, 3)), 1)])
def test_tensordot_values(shapes, dims):
    (a, ta), (b, tb) = _pair(*shapes)
    assert_matches(cr.tensordot(a, b, dims=dims), torch.tensordot(ta, tb, dims=dims))


def test_tensordot_with_tensor_dims_and_errors():
    (a, ta), (b, tb) = _pair((2, 3), (3, 2))
    assert_matches(cr.tensordot(a, b, dims=cr.tensor(1)), torch.tensordot(ta, tb, dims=torch.tensor(1)))
    (c, tc) = both(rng.standard_normal(2))
    assert_same_error(lambda: cr.tensordot(a, c, dims=1), lambda: torch.tensordot(ta, tc, dims=1), prefix=0)
    assert_same_error(lambda: cr.tensordot(a, b, dims=-1), lambda: torch.tensordot(ta, tb, dims=-1), prefix=0)


@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (4, 3)), ((2, 1, 3), (3,)), ((), (2, 3)),
                                    ((2, 3), ()), ((0, 3), (2, 3))])
def test_inner_values(shapes):
    (a, ta), (b, tb) = _pair(*shapes)
    assert_matches(cr.inner(a, b), torch.inner(ta, tb))
    assert_matches(a.inner(b), ta.inner(tb))


def test_inner_and_vdot_errors():
    (a, ta), (b, tb) = _pair((2, 3), (2,))
    assert_same_error(lambda: cr.inner(a, b), lambda: torch.inner(ta, tb), prefix=0)
    assert_same_error(lambda: cr.vdot(a, a), lambda: torch.vdot(ta, ta), prefix=0)
    (c, tc), (d, td) = _pair((4,), (4,))
    assert_matches(cr.vdot(c, d), torch.vdot(tc, td))
    assert_matches(c.vdot(d), tc.vdot(td))


def test_cartesian_prod():
    (a, ta), (b, tb), (c, tc) = both([1, 2]), both([3, 4, 5]), both([0.5])
    assert_matches(cr.cartesian_prod(a, b), torch.cartesian_prod(ta, tb))
    assert_matches(cr.cartesian_prod(a, b, c.long()), torch.cartesian_prod(ta, tb, tc.long()))
    assert_matches(cr.cartesian_prod(a), torch.cartesian_prod(ta))
    e, te = both(np.zeros((2, 2)))
    assert_same_error(lambda: cr.cartesian_prod(e), lambda: torch.cartesian_prod(te), prefix=0)


def test_block_diag_values_dtypes_and_errors():
    pieces = [both(1.5), both([2.0, 3.0]), both(np.ones((2, 2), dtype=np.int64)), both(np.zeros((0, 2)))]
    ours, theirs = [p[0] for p in pieces], [p[1] for p in pieces]
    assert_matches(cr.block_diag(*ours), torch.block_diag(*theirs))
    (i, ti), (j, tj) = both([[1, 2]]), both([[True]])
    assert_matches(cr.block_diag(i, j), torch.block_diag(ti, tj))
    e, te = both(np.zeros((1, 1, 1)))
    assert_same_error(lambda: cr.block_diag(e), lambda: torch.block_diag(te), prefix=0)


@pytest.mark.parametrize("p", [2, 1, 0, 3.5, float("inf")])
def test_dist(p):
    (a, ta), (b, tb) = _pair((2, 3), (3,))
    assert_matches(cr.dist(a, b, p), torch.dist(ta, tb, p))
    assert_matches(a.dist(b, p=p), ta.dist(tb, p=p))


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda a, b: cr.cross(a, b, dim=1), lambda a, b: torch.cross(a, b, dim=1), [(2, 3), (1, 3)]),
    # PyTorch's kron backward fails on non-contiguous inputs ("view size is not compatible"), so its
    # side of check_op's transposed case gets contiguous copies
    (cr.kron, lambda a, b: torch.kron(a.contiguous(), b.contiguous()), [(2, 3), (2, 1)]),
    (lambda a, b: cr.tensordot(a, b, dims=([1, 0], [0, 2])), lambda a, b: torch.tensordot(a, b, dims=([1, 0], [0, 2])),
     [(2, 3), (3, 2, 2)]),
    (cr.inner, torch.inner, [(2, 3), (4, 3)]),
    (cr.vdot, torch.vdot, [(4,), (4,)]),
    (lambda a, b: cr.block_diag(a, b), lambda a, b: torch.block_diag(a, b), [(2, 3), (2,)]),
    (cr.cartesian_prod, torch.cartesian_prod, [(2,), (3,)]),
    (cr.dist, torch.dist, [(2, 3), (3,)]),
    (lambda a, b: cr.dist(a, b, 3), lambda a, b: torch.dist(a, b, 3), [(2, 3), (2, 3)]),
])
def test_product_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- stacking and splitting --------------------------------------------------------------------

@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
def test_atleast(name):
    shapes = [(), (3,), (2, 3), (2, 3, 4), (0,)]
    inputs = [both(rng.standard_normal(s)) for s in shapes]
    for a, ta in inputs:
        assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta))
    ours, theirs = [a for a, _ in inputs], [t for _, t in inputs]
    assert_matches(getattr(cr, name)(*ours), getattr(torch, name)(*theirs))
    assert_matches(getattr(cr, name)(ours), getattr(torch, name)(theirs))


@pytest.mark.parametrize("name, shapes", [("dstack", [(3,), (3,)]), ("dstack", [(2, 3), (2, 3, 2)]),
                                          ("dstack", [(), ()]), ("column_stack", [(3,), (3, 2), (3, 1)]),
                                          ("column_stack", [(), ()]), ("row_stack", [(3,), (2, 3)])])
def test_stacks(name, shapes):
    inputs = [both(rng.standard_normal(s)) for s in shapes]
    assert_matches(getattr(cr, name)([a for a, _ in inputs]), getattr(torch, name)([t for _, t in inputs]))


@pytest.mark.parametrize("split, dim", [(3, 0), (1, 0), (9, 0), ([1, 5, 10, 3], 0), ([], 0), ((2,), 1), (2, -1)])
def test_tensor_split(split, dim):
    a, ta = both(rng.standard_normal((7, 4)))
    assert_matches(cr.tensor_split(a, split, dim), torch.tensor_split(ta, split, dim))
    assert_matches(a.tensor_split(split, dim=dim), ta.tensor_split(split, dim=dim))


def test_tensor_split_with_tensors_and_views():
    a, ta = both(np.arange(7))
    assert_matches(cr.tensor_split(a, cr.tensor(3)), torch.tensor_split(ta, torch.tensor(3)))
    assert_matches(cr.tensor_split(a, cr.tensor([2, 4])), torch.tensor_split(ta, torch.tensor([2, 4])))
    first = cr.tensor_split(a, 2)[0]
    first[0] = 100
    assert a[0].item() == 100


@pytest.mark.parametrize("call", [lambda m, x: m.tensor_split(x, 0), lambda m, x: m.tensor_split(x[0, 0], 2),
                                  lambda m, x: m.hsplit(x, 4), lambda m, x: m.vsplit(x[0], 1),
                                  lambda m, x: m.dsplit(x, 1), lambda m, x: m.hsplit(x[0], 2)])
def test_split_errors(call):
    a, ta = both(np.zeros((2, 3)))
    assert_same_error(lambda: call(cr, a), lambda: call(torch, ta), prefix=0)


@pytest.mark.parametrize("name, shape, split", [("hsplit", (2, 4), 2), ("hsplit", (6,), 3), ("hsplit", (2, 4), [1, 3]),
                                                ("vsplit", (4, 2), 2), ("vsplit", (4, 2), [3]),
                                                ("dsplit", (1, 2, 4), 2), ("dsplit", (1, 2, 4), [1])])
def test_directional_splits(name, shape, split):
    a, ta = both(rng.standard_normal(shape))
    assert_matches(getattr(cr, name)(a, split), getattr(torch, name)(ta, split))
    assert_matches(getattr(a, name)(split), getattr(ta, name)(split))


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (-1, 0), (0, 2)])
def test_rot90(k, dims):
    a, ta = both(rng.standard_normal((2, 3, 4)))
    assert_matches(cr.rot90(a, k, dims), torch.rot90(ta, k, dims))
    assert_matches(a.rot90(k, dims), ta.rot90(k, dims))


@pytest.mark.parametrize("call", [lambda m, x: m.rot90(x, 1, [0]), lambda m, x: m.rot90(x[0, 0]),
                                  lambda m, x: m.rot90(x, 1, [1, 1]), lambda m, x: m.rot90(x, 1, [0, -3])])
def test_rot90_errors(call):
    a, ta = both(np.zeros((2, 3, 4)))
    assert_same_error(lambda: call(cr, a), lambda: call(torch, ta), prefix=0)


@pytest.mark.parametrize("n, dim", [(1, -1), (2, -1), (1, 0), (0, 1), (5, 1), (3, 0)])
def test_diff_values(n, dim):
    a, ta = both(rng.standard_normal((3, 4)))
    assert_matches(cr.diff(a, n, dim), torch.diff(ta, n, dim))
    assert_matches(a.diff(n=n, dim=dim), ta.diff(n=n, dim=dim))


def test_diff_with_prepend_append_bool_int_and_errors():
    a, ta = both(rng.standard_normal((2, 3)))
    (p, tp), (q, tq) = both(rng.standard_normal((2, 1))), both(rng.standard_normal((2, 2)))
    assert_matches(cr.diff(a, prepend=p, append=q), torch.diff(ta, prepend=tp, append=tq))
    assert_matches(cr.diff(a, 2, 0, prepend=a), torch.diff(ta, 2, 0, prepend=ta))
    b, tb = both([True, False, False, True])
    assert_matches(cr.diff(b), torch.diff(tb))
    i, ti = both([1, 4, 9, 16])
    assert_matches(cr.diff(i, 2), torch.diff(ti, 2))
    e, te = both(np.zeros((0, 3)))
    assert_matches(cr.diff(e, dim=0), torch.diff(te, dim=0))
    for call in (lambda m, x, y: m.diff(x[0, 0]), lambda m, x, y: m.diff(x, n=-1),
                 lambda m, x, y: m.diff(x, prepend=y[0]), lambda m, x, y: m.diff(x, dim=0, append=y)):
        assert_same_error(lambda: call(cr, a, q), lambda: call(torch, ta, tq), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (lambda a: cr.diff(a, 2, 0), lambda a: torch.diff(a, 2, 0), [(4, 3)]),
    (lambda a, p: cr.diff(a, prepend=p), lambda a, p: torch.diff(a, prepend=p), [(2, 3), (2, 2)]),
    (lambda a: cr.rot90(a, 1, (0, 1)), lambda a: torch.rot90(a, 1, (0, 1)), [(2, 3)]),
    (lambda a: cr.rot90(a, 3, (1, 0)), lambda a: torch.rot90(a, 3, (1, 0)), [(2, 3, 2)]),
    (lambda a: cr.tensor_split(a, 3, 1), lambda a: torch.tensor_split(a, 3, 1), [(2, 5)]),
    (lambda a, b: cr.column_stack([a, b]), lambda a, b: torch.column_stack([a, b]), [(3,), (3, 2)]),
    (lambda a, b: cr.dstack([a, b]), lambda a, b: torch.dstack([a, b]), [(2, 3), (2, 3)]),
    (lambda a: cr.atleast_3d(a), lambda a: torch.atleast_3d(a), [(3,)]),
])
def test_stacking_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


# ---- integration and histc ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ["trapezoid", "trapz", "cumulative_trapezoid"])
@pytest.mark.parametrize("shape, x_shape, dim", [((2, 3), None, -1), ((2, 3), (3,), -1), ((2, 3), (2,), 0),
                                                 ((2, 3), (2, 3), 1), ((2, 3), (1, 3), -1), ((5,), None, 0),
                                                 ((0,), None, 0), ((2, 0), None, 1), ((3, 1), None, 1)])
def test_trapezoid_family_values(name, shape, x_shape, dim):
    y, ty = both(rng.standard_normal(shape))
    if x_shape is None:
        assert_matches(getattr(cr, name)(y, dim=dim), getattr(torch, name)(ty, dim=dim))
        assert_matches(getattr(cr, name)(y, dx=0.5, dim=dim), getattr(torch, name)(ty, dx=0.5, dim=dim))
    else:
        x, tx = both(np.cumsum(rng.random(x_shape), axis=-1))
        assert_matches(getattr(cr, name)(y, x, dim=dim), getattr(torch, name)(ty, tx, dim=dim))


def test_trapezoid_of_integers_and_errors():
    y, ty = both([1, 2, 3])
    assert_matches(cr.trapezoid(y), torch.trapezoid(ty))
    assert_matches(cr.cumulative_trapezoid(y, dx=2), torch.cumulative_trapezoid(ty, dx=2))
    (a, ta), (x, tx) = both(np.ones((2, 3))), both([0.0, 1.0])
    assert_same_error(lambda: cr.trapezoid(a, x), lambda: torch.trapezoid(ta, tx), prefix=0)
    s, ts = both(1.0)
    assert_same_error(lambda: cr.trapezoid(s), lambda: torch.trapezoid(ts), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, shapes", [
    (cr.trapezoid, torch.trapezoid, [(2, 4)]),
    (lambda y, x: cr.trapezoid(y, x), lambda y, x: torch.trapezoid(y, x), [(2, 4), (4,)]),
    (lambda y, x: cr.trapezoid(y, x, dim=0), lambda y, x: torch.trapezoid(y, x, dim=0), [(3, 2), (3, 2)]),
    (lambda y, x: cr.cumulative_trapezoid(y, x), lambda y, x: torch.cumulative_trapezoid(y, x), [(2, 4), (4,)]),
    (lambda y: cr.cumulative_trapezoid(y, dx=0.3, dim=0),
     lambda y: torch.cumulative_trapezoid(y, dx=0.3, dim=0), [(3, 2)]),
])
def test_integration_gradients(fn, torch_fn, shapes):
    check_op(fn, shapes, torch_fn=torch_fn)


@pytest.mark.parametrize("values, bins, low, high", [([1.0, 2, 1, 4, 5], 4, 0, 4), ([3.0, 3.0], 2, 0, 0),
                                                     ([], 2, 0, 0), ([0.5, -1, 7, 2.5], 5, 0, 0),
                                                     ([0.0, 0.25, 0.5, 0.75, 1.0], 4, 0, 1)])
def test_histc(values, bins, low, high):
    a, ta = both(values)
    assert_matches(cr.histc(a, bins, low, high), torch.histc(ta, bins, low, high))
    assert_matches(a.float().histc(bins=bins, min=low, max=high), ta.float().histc(bins=bins, min=low, max=high))


def test_histc_of_random_data_and_errors():
    a, ta = both(rng.standard_normal(1000))
    assert_matches(cr.histc(a, 17), torch.histc(ta, 17))
    assert_matches(cr.histc(a, 10, -1, 1), torch.histc(ta, 10, -1, 1))
    i, ti = both([1, 2])
    assert_same_error(lambda: cr.histc(i), lambda: torch.histc(ti), prefix=0)
    f, tf = both([1.0, 2.0])
    assert_same_error(lambda: cr.histc(f, 3, 2, 1), lambda: torch.histc(tf, 3, 2, 1), prefix=0)
    g, tg = both([1.0, float("inf")])
    assert_same_error(lambda: cr.histc(g), lambda: torch.histc(tg), prefix=0)
