"""asinh/acosh/atanh and their aliases (_functions/inverse_hyperbolic.py) and erfc (ops/special.cpp)
at full precision over the float range, renorm (renorm.py) and unique_consecutive (counting.py)
against PyTorch: values, gradients (gradcheck, gradgradcheck, parity through check_op) and
exception types."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch
rng = np.random.default_rng(0)

WIDE = [0.0, -0.0, 1e-300, 1e-30, 1e-10, -0.3, 0.5, 0.999999, 1.0, 1.0000001, 1.5, 2.0, 2.5, 1e5, -1e10, 3e8,
        1e300, -1e300, math.inf, -math.inf, math.nan, -1.0, -2.0]


@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_values_over_the_whole_range(name, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 1e300 overflows float32 to inf, as intended
        values = np.array(WIDE, dtype=dtype)
    a, ta = both(values)
    rtol = 1e-14 if dtype == "float64" else 1e-6
    assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta), rtol=rtol, atol=0)
    assert_matches(getattr(a, name)(), getattr(ta, name)(), rtol=rtol, atol=0)


@pytest.mark.parametrize("name", ["asinh", "acosh", "atanh"])
def test_integers_shapes_and_in_place(name):
    for values in ([1, 2, 3], [True, False], 0.5, np.zeros((2, 0))):
        a, ta = both(values)
        assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta), rtol=1e-6)
    for prefix in ("", "arc"):
        method = prefix + name[1:] + "_" if prefix else name + "_"
        a, ta = both([1.5, 0.25, 3.0])
        assert getattr(a, method)() is a
        assert_matches(a, getattr(ta, method)())
        b, tb = both([1.5, 0.25, 3.0])
        assert getattr(cr, method)(b) is b
        assert_matches(b, getattr(torch, method)(tb))
    i, ti = both([1, 2])
    assert_same_error(lambda: getattr(i, name + "_")(), lambda: getattr(ti, name + "_")(), prefix=0)


@pytest.mark.parametrize("fn, torch_fn, positive", [
    (cr.asinh, torch.asinh, False),
    (lambda x: cr.acosh(x + 1.0), lambda x: torch.acosh(x + 1.0), True),
    (lambda x: cr.atanh(x.tanh() * 0.9), lambda x: torch.atanh(x.tanh() * 0.9), False),
])
def test_gradients(fn, torch_fn, positive):
    check_op(fn, [(2, 3)], torch_fn=torch_fn, positive=positive)


@pytest.mark.parametrize("p, dim, maxnorm", [(2, 0, 5.0), (1, 1, 6.0), (math.inf, -1, 2.5), (3, 2, 1.0),
                                             (2, 0, 0.0), (0.5, 1, 100.0)])
def test_renorm(p, dim, maxnorm):
    a, ta = both(rng.standard_normal((3, 4, 2)) * 3)
    assert_matches(cr.renorm(a, p, dim, maxnorm), torch.renorm(ta, p, dim, maxnorm))
    assert_matches(a.renorm(p, dim, maxnorm), ta.renorm(p, dim, maxnorm))
    assert a.renorm_(p, dim, maxnorm) is a
    assert_matches(a, ta.renorm_(p, dim, maxnorm))


def test_renorm_gradients_and_errors():
    check_op(lambda x: cr.renorm(x, 2, 0, 1.0), [(3, 4)], torch_fn=lambda x: torch.renorm(x, 2, 0, 1.0))
    a, ta = both(np.ones((2, 3)))
    for call in (lambda m, x: m.renorm(x, -1, 0, 5), lambda m, x: m.renorm(x, 2, 0, -1),
                 lambda m, x: m.renorm(x[0], 2, 0, 1), lambda m, x: m.renorm(x, 2, 3, 1)):
        assert_same_error(lambda: call(cr, a), lambda: call(torch, ta), prefix=0)


@pytest.mark.parametrize("values, dim", [([1, 1, 2, 2, 3, 1, 1, 2], None), ([[1, 1], [1, 1], [2, 3], [1, 1]], 0),
                                         ([[1, 1, 2], [1, 1, 3]], 1), ([], None), (5, None), ([[1, 2], [1, 2]], None),
                                         (np.zeros((0, 2)), 0), ([1.0, math.nan, math.nan, 2.0], None),
                                         ([[1.5, 1.5], [0.5, 1.5]], -1)])
def test_unique_consecutive(values, dim):
    a, ta = both(values)
    for inverse in (False, True):
        for counts in (False, True):
            ours = cr.unique_consecutive(a, inverse, counts, dim)
            theirs = torch.unique_consecutive(ta, return_inverse=inverse, return_counts=counts, dim=dim)
            assert_matches(ours, theirs)
    assert_matches(a.unique_consecutive(return_counts=True, dim=dim),
                   ta.unique_consecutive(return_counts=True, dim=dim))


# ---- erfc (ops/special.cpp) -------------------------------------------------------

@pytest.mark.parametrize("dtype, rtol", [("float64", 2e-14), ("float32", 2e-7)])
def test_erfc_keeps_its_precision_in_the_tail(dtype, rtol):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 1e300 overflows float32 to inf, as intended
        values = np.concatenate([np.linspace(-6, 27.5, 3001), [math.inf, -math.inf, math.nan, 0.0, -0.0, 1.0, 30.0,
                                                               1e300, -1e300]]).astype(dtype)
    a, ta = both(values)
    ours, theirs = cr.erfc(a), torch.erfc(ta)
    tiny = np.finfo(dtype).tiny
    normal = np.abs(theirs.numpy()) > tiny  # subnormal results carry fewer digits in both
    np.testing.assert_allclose(ours.numpy()[normal], theirs.numpy()[normal], rtol=rtol, atol=0)
    assert_matches(ours, theirs, rtol=rtol, atol=tiny * 2 ** 20)


def test_erfc_dtypes_in_place_and_gradients():
    i, ti = both([1, 2, -1])
    assert_matches(cr.erfc(i), torch.erfc(ti), rtol=1e-6)
    a, ta = both([0.5, 3.0, 10.0])
    assert a.erfc_() is a and cr.erfc_(a) is a
    assert_matches(a, torch.erfc_(ta.erfc_()), rtol=1e-14)
    assert_same_error(lambda: i.erfc_(), lambda: ti.erfc_(), prefix=0)
    check_op(cr.erfc, [(2, 3)], torch_fn=torch.erfc)
    x, tx = cr.tensor([0.5], requires_grad=True), torch.tensor([0.5], requires_grad=True)
    assert cr.erfc(x).grad_fn.name() == torch.erfc(tx).grad_fn.name() == "ErfcBackward0"
    check_op(lambda x: cr.erfc(x * 3), [(4,)], torch_fn=lambda x: torch.erfc(x * 3))
