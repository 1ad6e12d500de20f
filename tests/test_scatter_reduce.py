"""scatter_reduce (_functions/scatter_reduce.py) against PyTorch for every reduction, with and
without include_self, on 1-D and 2-D inputs, integers, ties and NaN; its gradients (check_op, and
PyTorch's tie splitting); and the small torch-level forms fill, constant_pad_nd, addmv_,
as_strided and get_device."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)
REDUCTIONS = ["sum", "mean", "amax", "amin", "prod"]


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_one_dimensional(reduce, include_self):
    (x, tx), (i, ti), (s, ts) = both([4.0, 5, 0, 9]), both([0, 1, 1, 0, 2]), both([1.0, 5, 5, 2, 3])
    assert_matches(cr.scatter_reduce(x, 0, i, s, reduce, include_self=include_self),
                   torch.scatter_reduce(tx, 0, ti, ts, reduce, include_self=include_self))
    assert_matches(x.scatter_reduce(0, i, s, reduce), tx.scatter_reduce(0, ti, ts, reduce))


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_two_dimensional_with_a_smaller_index(reduce, include_self, dim):
    (x, tx), (s, ts) = both(rng.standard_normal((3, 4))), both(rng.standard_normal((4, 5)))
    i, ti = both(rng.integers(0, 3, size=(2, 3)))
    assert_matches(cr.scatter_reduce(x, dim, i, s, reduce, include_self=include_self),
                   torch.scatter_reduce(tx, dim, ti, ts, reduce, include_self=include_self))


@pytest.mark.parametrize("reduce", REDUCTIONS)
@pytest.mark.parametrize("include_self", [True, False])
def test_integers(reduce, include_self):
    (x, tx), (i, ti), (s, ts) = both([4, 0, 0, 9]), both([0, 1, 1, 0, 2]), both([1, 5, 6, 2, 3])
    assert_matches(cr.scatter_reduce(x, 0, i, s, reduce, include_self=include_self),
                   torch.scatter_reduce(tx, 0, ti, ts, reduce, include_self=include_self))


@pytest.mark.parametrize("reduce", ["amax", "amin", "sum"])
def test_nan_propagates(reduce):
    (x, tx), (i, ti), (s, ts) = both([1.0, 2.0]), both([0, 0, 1]), both([math.nan, 3.0, -1.0])
    assert_matches(cr.scatter_reduce(x, 0, i, s, reduce), torch.scatter_reduce(tx, 0, ti, ts, reduce))


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_older_names_of_amax_amin(reduce):
    (x, tx), (i, ti), (s, ts) = both([4.0, 5, 0]), both([0, 1, 1]), both([1.0, 7, 5])
    assert_matches(cr.scatter_reduce(x, 0, i, s, reduce), torch.scatter_reduce(tx, 0, ti, ts, reduce))


def test_in_place_and_errors():
    (x, tx), (i, ti), (s, ts) = both([4.0, 5, 0]), both([0, 1, 1]), both([1.0, 7, 5])
    assert x.scatter_reduce_(0, i, s, "amax") is x
    assert_matches(x, tx.scatter_reduce_(0, ti, ts, "amax"))
    assert_same_error(lambda: cr.scatter_reduce(x, 0, i, s, "foo"), lambda: torch.scatter_reduce(tx, 0, ti, ts, "foo"),
                      prefix=0)
    assert_same_error(lambda: cr.scatter_reduce(x, 0, i, s.long(), "sum"),
                      lambda: torch.scatter_reduce(tx, 0, ti, ts.long(), "sum"), prefix=0)
    with pytest.raises(NotImplementedError, match="prod"):
        cr.scatter_reduce(x, 0, i, s.requires_grad_(), "prod")


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_gradients(reduce, include_self):
    index = cr.tensor([[0, 2, 2, 1], [1, 1, 0, 1]])  # as large as src: PyTorch's backward needs that
    tindex = torch.tensor(index.numpy())
    check_op(lambda x, s: cr.scatter_reduce(x, 1, index, s, reduce, include_self=include_self), [(2, 3), (2, 4)],
             torch_fn=lambda x, s: torch.scatter_reduce(x, 1, tindex, s, reduce, include_self=include_self))


@pytest.mark.parametrize("include_self", [True, False])
def test_ties_share_the_gradient_as_in_torch(include_self):
    (x, tx) = both([4.0, 5, 0, 9], requires_grad=True)
    (s, ts) = both([1.0, 5, 5, 2, 3], requires_grad=True)
    (i, ti) = both([0, 1, 1, 0, 2])
    cr.scatter_reduce(x, 0, i, s, "amax", include_self=include_self).sum().backward()
    torch.scatter_reduce(tx, 0, ti, ts, "amax", include_self=include_self).sum().backward()
    assert_matches(x.grad, tx.grad)
    assert_matches(s.grad, ts.grad)


def test_fill():
    (x, tx), (v, tv) = both([1.0, 2.0, 3.0], requires_grad=True), both(2.0, requires_grad=True)
    out, tout = cr.fill(x, v), torch.fill(tx, tv)
    assert_matches(out, tout)
    out.sum().backward()
    tout.sum().backward()
    assert_matches(v.grad, tv.grad)
    i, ti = both([1, 2])
    assert_matches(cr.fill(i, 2.7), torch.fill(ti, 2.7))
    assert_same_error(lambda: cr.fill(x, x), lambda: torch.fill(tx, tx), prefix=0)


def test_constant_pad_nd_addmv_as_strided_get_device():
    a, ta = both(rng.standard_normal((2, 3)))
    assert_matches(cr.constant_pad_nd(a, [1, 0, 0, 2], 3.0), torch.constant_pad_nd(ta, [1, 0, 0, 2], 3.0))
    assert_matches(cr.constant_pad_nd(a, [1, 1]), torch.constant_pad_nd(ta, [1, 1]))
    (y, ty), (v, tv) = both(rng.standard_normal(2)), both(rng.standard_normal(3))
    assert cr.addmv_(y, a, v, beta=0.5, alpha=2) is y
    assert_matches(y, torch.addmv_(ty, ta, tv, beta=0.5, alpha=2))
    f, tf = both(np.arange(6.0))
    assert_matches(cr.as_strided(f, (2, 2), (1, 2), 1), torch.as_strided(tf, (2, 2), (1, 2), 1))
    assert cr.get_device(f) == torch.get_device(tf) == -1
