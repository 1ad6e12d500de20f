"""Window functions (_functions/spectral_windows.py), i0 (bessel.py), creation extras
(creation_extras.py), the random fills cauchy_/log_normal_/geometric_ (random_fills.py) and the
draws poisson/binomial (random_counts.py) against PyTorch: window and i0 values, dtypes and
gradients, shapes/strides/sharing of the created tensors, sample statistics and argument errors."""
import math

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, check_op, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch


@pytest.mark.parametrize("name", ["hann_window", "hamming_window", "blackman_window", "bartlett_window"])
@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 65])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_windows(name, length, periodic, dtype):
    ours = getattr(cr, name)(length, periodic, dtype=getattr(cr, dtype))
    theirs = getattr(torch, name)(length, periodic, dtype=getattr(torch, dtype))
    assert_matches(ours, theirs, rtol=1e-6, atol=1e-7)


def test_window_defaults_hamming_coefficients_and_errors():
    assert_matches(cr.hann_window(6), torch.hann_window(6))
    assert_matches(cr.hamming_window(5, False, 0.5, 0.5), torch.hamming_window(5, False, 0.5, 0.5))
    assert cr.bartlett_window(3, requires_grad=True).requires_grad
    assert_same_error(lambda: cr.hann_window(-1), lambda: torch.hann_window(-1), prefix=0)
    assert_same_error(lambda: cr.hann_window(3, dtype=cr.int64), lambda: torch.hann_window(3, dtype=torch.int64),
                      prefix=0)


def test_randint_like():
    a = cr.ones(1000, dtype=cr.float64)
    out = cr.randint_like(a, 5)
    assert out.dtype == cr.float64 and out.shape == (1000,)
    assert set(out.long().tolist()) == {0, 1, 2, 3, 4}
    between = cr.randint_like(a, 3, 6, dtype=cr.int64)
    assert between.dtype == cr.int64 and set(between.tolist()) == {3, 4, 5}


@pytest.mark.parametrize("size, stride", [((2, 3), (1, 2)), ((2, 3), (3, 1)), ((0, 3), (3, 1)), ((), ())])
def test_empty_strided(size, stride):
    ours, theirs = cr.empty_strided(size, stride, dtype=cr.float64), torch.empty_strided(size, stride,
                                                                                         dtype=torch.float64)
    assert tuple(ours.shape) == tuple(theirs.shape) and ours.stride() == theirs.stride()
    assert ours.dtype == cr.float64
    new = cr.ones(1, dtype=cr.int64).new_empty_strided(size, stride)
    assert new.dtype == cr.int64 and new.stride() == theirs.stride()
    assert_same_error(lambda: cr.empty_strided((2, 3), (1,)), lambda: torch.empty_strided((2, 3), (1,)), prefix=0)


def test_asarray_shares_or_copies_as_asked():
    array = np.arange(3.0)
    shared, copied = cr.asarray(array), cr.asarray(array, copy=True)
    array[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and copied.tolist() == [0.0, 1.0, 2.0]
    t = cr.ones(2)
    assert cr.asarray(t) is t
    assert_matches(cr.asarray([[1, 2]], dtype=cr.float64), torch.asarray([[1, 2]], dtype=torch.float64))
    assert cr.asarray([1.0], requires_grad=True).requires_grad
    with pytest.raises(ValueError):
        cr.asarray([1, 2], copy=False)


def test_narrow_copy_and_typename():
    a, ta = both(np.arange(12.0).reshape(3, 4))
    out = cr.narrow_copy(a, 1, 1, 2)
    assert_matches(out, torch.narrow_copy(ta, 1, 1, 2))
    out[0, 0] = -1.0
    assert a[0, 1].item() == 1.0
    assert_matches(a.narrow_copy(0, 2, 1), ta.narrow_copy(0, 2, 1))
    assert cr.typename(cr.ones(1)) == torch.typename(torch.ones(1)) == "torch.FloatTensor"
    assert cr.typename(cr.ones(1, dtype=cr.int64)) == "torch.LongTensor"
    assert cr.typename(3) == torch.typename(3) == "int"


def test_random_fills_statistics():
    x = cr.empty(20000, dtype=cr.float64)
    assert x.cauchy_(1.0, 2.0) is x
    assert abs(x.median().item() - 1.0) < 0.1
    quartiles = np.quantile(x.numpy(), [0.25, 0.75])
    assert abs(quartiles[0] + 1.0) < 0.15 and abs(quartiles[1] - 3.0) < 0.15  # median -+ sigma
    x.log_normal_(0.5, 0.25)
    assert abs(x.log().mean().item() - 0.5) < 0.01 and abs(x.log().std().item() - 0.25) < 0.01
    x.geometric_(0.25)
    assert x.min().item() == 1.0 and abs(x.mean().item() - 4.0) < 0.1  # mean 1 / p
    assert bool((x == x.round()).all())
    ints = cr.empty(100, dtype=cr.int64).geometric_(0.5)
    assert ints.dtype == cr.int64 and ints.min().item() >= 1


@pytest.mark.parametrize("call", [lambda m: m.empty(3, dtype=m.int64).cauchy_(),
                                  lambda m: m.empty(3, dtype=m.int64).log_normal_(),
                                  lambda m: m.empty(3).geometric_(1.5), lambda m: m.empty(3).log_normal_(0, -1),
                                  lambda m: m.empty(3).cauchy_(0, 0)])
def test_random_fill_errors(call):
    assert_same_error(lambda: call(cr), lambda: call(torch), prefix=0)


@pytest.mark.parametrize("length", [0, 1, 2, 5, 8, 64])
@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("beta", [12.0, 0.5, 30.0])
def test_kaiser_window(length, periodic, beta):
    assert_matches(cr.kaiser_window(length, periodic, beta, dtype=cr.float64),
                   torch.kaiser_window(length, periodic, beta, dtype=torch.float64), rtol=1e-12, atol=1e-15)
    assert_matches(cr.kaiser_window(length, periodic, beta), torch.kaiser_window(length, periodic, beta),
                   rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("dtype, rtol, top", [("float64", 3e-15, 709.0), ("float32", 1e-6, 88.0)])
def test_i0_over_its_range(dtype, rtol, top):
    """Compared where PyTorch's is finite: near the overflow PyTorch's intermediate e^x overflows
    first (inf where chainrule still has the value), and PyTorch's i0(inf) is NaN (chainrule: inf)."""
    values = np.concatenate([np.linspace(-40, 40, 2001), np.linspace(40, top, 1000), [0.0, -0.0, math.nan]])
    a, ta = both(values.astype(dtype))
    assert_matches(cr.i0(a), torch.i0(ta), rtol=rtol, atol=0)
    assert_matches(a.i0(), ta.i0(), rtol=rtol, atol=0)


def test_i0_integers_in_place_and_gradients():
    i, ti = both([1, 2, -3])
    assert_matches(cr.i0(i), torch.i0(ti), rtol=1e-6)
    a, ta = both([0.5, -3.0, 25.0])
    assert a.i0_() is a and cr.i0_(a) is a
    assert_matches(a, torch.i0_(ta.i0_()), rtol=1e-14)
    assert_same_error(lambda: i.i0_(), lambda: ti.i0_(), prefix=0)
    check_op(cr.i0, [(2, 3)], torch_fn=torch.i0)
    check_op(lambda x: cr.i0(x * 15), [(4,)], torch_fn=lambda x: torch.i0(x * 15))
    z = cr.zeros(1, dtype=cr.float64, requires_grad=True)
    (g,) = cr.autograd.grad(cr.i0(z).sum(), z, create_graph=True)
    (gg,) = cr.autograd.grad(g.sum(), z)
    assert g.item() == 0.0 and gg.item() == 0.5  # I0'(0) = I1(0) = 0, I0''(0) = I1'(0) = 1/2


def test_poisson_and_binomial_draws():
    rates = cr.full((20000,), 3.0, dtype=cr.float64)
    draws = cr.poisson(rates)
    assert draws.dtype == cr.float64 and bool((draws == draws.round()).all())
    assert abs(draws.mean().item() - 3.0) < 0.05 and abs(draws.var().item() - 3.0) < 0.15
    cr.manual_seed(7)
    first = cr.poisson(cr.tensor([1.0, 5.0, 9.0]))
    cr.manual_seed(7)
    assert first.tolist() == cr.poisson(cr.tensor([1.0, 5.0, 9.0])).tolist()
    counts = cr.binomial(cr.full((20000,), 10.0), cr.tensor(0.3))
    assert counts.dtype == cr.float32 and abs(counts.mean().item() - 3.0) < 0.05
    assert cr.binomial(cr.tensor([10.0, -10.0]), cr.tensor([1.5, 0.5])).tolist() == \
        torch.binomial(torch.tensor([10.0, -10.0]), torch.tensor([1.5, 0.5])).tolist() == [10.0, 0.0]
    generator = cr.Generator().manual_seed(3)
    assert cr.poisson(cr.ones(4), generator=generator).shape == (4,)


@pytest.mark.parametrize("call", [lambda m: m.poisson(m.tensor([-1.0])), lambda m: m.poisson(m.tensor([1])),
                                  lambda m: m.binomial(m.tensor([10]), m.tensor([0.5]))])
def test_poisson_binomial_errors(call):
    assert_same_error(lambda: call(cr), lambda: call(torch), prefix=0)
