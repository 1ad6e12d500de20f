"""Backward of elementwise ops: gradcheck and gradgradcheck in float64, and forward + backward
against PyTorch (contiguous and transposed inputs), one line per op."""
import numpy as np
import pytest

import chainrule as cr
from conftest import check_op, requires_torch, torch

T = torch  # torch_fn lambdas below only run when PyTorch is installed

BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
    ("maximum", lambda a, b: a.maximum(b)),
    ("minimum", lambda a, b: a.minimum(b)),
    ("atan2", lambda a, b: a.atan2(b)),
]


@pytest.mark.parametrize("name,fn", BINARY, ids=[n for n, _ in BINARY])
@pytest.mark.parametrize("shapes", [[(3, 4), (3, 4)], [(3, 4), (4,)], [(2, 1, 3), (4, 1)], [(), (3,)]],
                         ids=["same", "row", "outer", "scalar"])
def test_binary(name, fn, shapes):
    check_op(fn, shapes, torch_fn=fn)


def test_pow_of_positive_base():
    check_op(lambda a, b: a ** b, [(3, 4), (3, 4)], torch_fn=lambda a, b: a ** b, positive=True)


def test_pow_by_scalars_and_of_scalars():
    check_op(lambda a: a ** 3, [(3, 4)], torch_fn=lambda a: a ** 3)
    check_op(lambda a: a ** 0.5, [(3, 4)], torch_fn=lambda a: a ** 0.5, positive=True)
    check_op(lambda a: 2.0 ** a, [(3, 4)], torch_fn=lambda a: 2.0 ** a)


def test_remainder_away_from_jumps():
    check_op(lambda a: (a * 0.1 + 5.25).remainder(2.0), [(3, 4)], torch_fn=lambda a: (a * 0.1 + 5.25).remainder(2.0))


def test_scalar_operands_and_reflected_ops():
    f = lambda a: (2 - a) * 3 + 1 / (a * a + 1) - a / 4
    check_op(f, [(3, 4)], torch_fn=f)


UNARY_ANY = ["neg", "abs", "relu", "square", "exp", "sin", "cos", "tanh", "sigmoid", "erf", "atan", "sinh",
             "cosh", "expm1", "sign", "floor", "ceil", "round", "trunc"]
UNARY_POSITIVE = ["log", "log2", "log10", "log1p", "sqrt", "rsqrt", "reciprocal"]


@pytest.mark.parametrize("name", UNARY_ANY)
def test_unary(name):
    fn = lambda a: getattr(a, name)()
    check_op(fn, [(3, 4)], torch_fn=fn)


@pytest.mark.parametrize("name", UNARY_POSITIVE)
def test_unary_of_positive_inputs(name):
    fn = lambda a: getattr(a, name)()
    check_op(fn, [(3, 4)], torch_fn=fn, positive=True)


@pytest.mark.parametrize("name", ["asin", "acos"])
def test_unary_inside_minus_one_one(name):
    fn = lambda a: getattr(a.tanh() * 0.9, name)()
    check_op(fn, [(3, 4)], torch_fn=fn)


def test_tan_away_from_poles():
    check_op(lambda a: (a * 0.3).tan(), [(3, 4)], torch_fn=lambda a: (a * 0.3).tan())


@pytest.mark.parametrize("bounds", [(-0.5, 0.5), (None, 0.2), (-0.1, None)])
def test_clamp(bounds):
    fn = lambda a: a.clamp(*bounds)
    check_op(fn, [(4, 5)], torch_fn=fn)


def test_where():
    check_op(lambda c, a, b: cr.where(c > 0, a, b), [(3, 4), (3, 4), (4,)],
             torch_fn=lambda c, a, b: T.where(c > 0, a, b))


def test_dtype_conversion_passes_gradients_back_in_the_input_dtype():
    x = cr.randn(3, dtype=cr.float32, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == cr.float32
    np.testing.assert_allclose(x.grad.numpy(), np.full(3, 2.0))


def test_mixed_dtypes_give_each_input_its_own_dtype():
    a = cr.randn(3, dtype=cr.float32, requires_grad=True)
    b = cr.randn(3, dtype=cr.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == cr.float32 and b.grad.dtype == cr.float64


def test_comparisons_and_floor_divide_are_not_differentiable():
    x = cr.randn(3, requires_grad=True)
    assert not (x > 0).requires_grad
    assert not (x // 2).requires_grad


@requires_torch
def test_pow_gradients_and_node_names_match_pytorch_at_zeros_and_infinities():
    # PyTorch's three pow nodes: tensor ** number (PowBackward0, whose gradient goes through the same
    # op, so x ** 0.5 gives -inf at -0 through rsqrt), tensor ** tensor (PowBackward1) and
    # number ** tensor (PowBackward2); signed zeros included.
    def same(ours, theirs):
        a, b = ours.numpy(), theirs.numpy()
        numbers = ~np.isnan(b)  # a NaN's sign bit is not part of its value
        assert np.array_equal(a, b, equal_nan=True), (a, b)
        assert np.array_equal(np.signbit(a[numbers]), np.signbit(b[numbers])), (a, b)

    def pair(values):
        return cr.tensor(values, dtype=cr.float64, requires_grad=True), torch.tensor(values, dtype=torch.float64,
                                                                                       requires_grad=True)

    values = [-0.0, 0.0, 1.5, -2.0, float("inf"), -float("inf")]
    for e in [2.0, 3.0, 0.5, -0.5, -1.0, 1.0, 0.0, 2.5, 2, 0]:
        x, tx = pair(values)
        y, ty = x ** e, tx ** e
        assert y.grad_fn.name() == ty.grad_fn.name() == "PowBackward0"
        y.sum().backward(), ty.sum().backward()
        same(x.grad, tx.grad)
        (x, tx), (ee, te) = pair(values), pair([float(e)] * len(values))
        (x ** ee).sum().backward(), (tx ** te).sum().backward()
        same(x.grad, tx.grad), same(ee.grad, te.grad)
    for base in [0.0, 2.0, 0.5]:
        y, ty = pair([0.0, -0.0, 1.5, -1.0])
        out, tout = base ** y, base ** ty
        assert out.grad_fn.name() == tout.grad_fn.name() == "PowBackward2"
        out.sum().backward(), tout.sum().backward()
        same(y.grad, ty.grad)


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16", "float16"])
def test_pow_by_the_numbers_pytorch_special_cases_matches_bit_for_bit(dtype):
    # PyTorch computes x ** 2, 3, -1, -2, 1, 0 as products, reciprocals, a copy and ones (float16:
    # pow for 3 and -2); chainrule takes the same forms, so every value, -0 and inf included, agrees.
    rng = np.random.default_rng(0)
    values = np.concatenate([[0.0, -0.0, np.inf, -np.inf, np.nan, 1e-30, -1e-30, 3e38],
                             rng.standard_normal(4000) * 10]).astype(np.float32)
    for e in [2, 3, -1, -2, 1, 0, 2.0, 3.0, -1.0, -2.0, 1.0, 0.0]:
        ours = (cr.tensor(values).to(getattr(cr, dtype)) ** e).double().numpy()
        theirs = (torch.tensor(values).to(getattr(torch, dtype)) ** e).double().numpy()
        numbers = ~np.isnan(theirs)  # a NaN's sign bit is not part of its value
        assert np.array_equal(ours, theirs, equal_nan=True), (dtype, e)
        assert np.array_equal(np.signbit(ours[numbers]), np.signbit(theirs[numbers])), (dtype, e)
