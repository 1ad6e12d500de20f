"""torch-level names added as aliases of existing ops (chainrule/_functions/aliases.py): constants,
NumPy's names and their Tensor methods, torch.<op>_ in-place forms, positive, ravel and range; and
type promotion as functions (promote_types, result_type, can_cast, _functions/promotion.py)."""
import math
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import assert_same_error, requires_torch, torch
from torch_parity import assert_matches, both

pytestmark = requires_torch

VALUES = [[0.3, -0.7, 0.0], [0.9, -0.1, 0.5]]
OTHER = [[0.3, 0.2, -0.4], [1.0, -0.1, 0.6]]


def test_constants_are_pythons():
    assert cr.pi == torch.pi == math.pi and cr.e == torch.e
    assert cr.inf == torch.inf and math.isnan(cr.nan) and cr.newaxis is torch.newaxis is None
    assert cr.ones(3)[cr.newaxis].shape == (1, 3)


BINARY = ["multiply", "divide", "subtract", "greater", "greater_equal", "less", "less_equal", "not_equal",
          "arctan2"]
UNARY = ["negative", "absolute", "arccos", "arcsin", "arctan", "fix", "ravel", "positive"]


@pytest.mark.parametrize("name", BINARY)
def test_binary_aliases_match_torch_as_functions_and_methods(name):
    (a, ta), (b, tb) = both(VALUES), both(OTHER[1])  # broadcasting (2, 3) with (3,)
    assert_matches(getattr(cr, name)(a, b), getattr(torch, name)(ta, tb))
    assert_matches(getattr(a, name)(b), getattr(ta, name)(tb))
    s, ts = both(2.5)  # 0-d
    assert_matches(getattr(cr, name)(s, b), getattr(torch, name)(ts, tb))


@pytest.mark.parametrize("name", UNARY)
def test_unary_aliases_match_torch_as_functions_and_methods(name):
    for values in (VALUES, 0.25, np.zeros((0, 2))):
        a, ta = both(values)
        assert_matches(getattr(cr, name)(a), getattr(torch, name)(ta))
        assert_matches(getattr(a, name)(), getattr(ta, name)())


@pytest.mark.parametrize("name", ["multiply", "divide", "subtract", "greater", "greater_equal", "less",
                                  "less_equal", "not_equal", "arctan2"])
def test_binary_in_place_methods(name):
    (a, ta), (b, tb) = both(VALUES), both(OTHER)
    out = getattr(a, name + "_")(b)
    assert out is a
    assert_matches(a, getattr(ta, name + "_")(tb))


@pytest.mark.parametrize("name", ["absolute", "arccos", "arcsin", "arctan", "fix", "negative", "clip"])
def test_unary_in_place_methods(name):
    a, ta = both(VALUES)
    args = (-0.2, 0.4) if name == "clip" else ()
    assert getattr(a, name + "_")(*args) is a
    assert_matches(a, getattr(ta, name + "_")(*args))


IN_PLACE_FUNCTIONS = ["abs_", "acos_", "arccos_", "asin_", "arcsin_", "atan_", "arctan_", "neg_",
                      "negative_", "fix_", "trunc_", "ceil_", "floor_", "round_", "exp_", "expm1_", "sqrt_",
                      "rsqrt_", "log_", "log2_", "log10_", "log1p_", "square_", "reciprocal_", "sin_", "cos_",
                      "tan_", "sinh_", "cosh_", "tanh_", "sigmoid_", "relu_", "erf_", "nan_to_num_", "zero_",
                      "detach_"]


@pytest.mark.parametrize("name", IN_PLACE_FUNCTIONS)
def test_torch_level_in_place_forms_write_into_their_argument(name):
    a, ta = both([[0.3, 0.7, 0.1], [0.9, 0.2, 0.5]])
    assert getattr(cr, name)(a) is a
    getattr(torch, name)(ta)
    assert_matches(a, ta)


@pytest.mark.parametrize("name, args", [("clamp_", (0.2, 0.6)), ("clip_", (0.2, 0.6)), ("clamp_min_", (0.4,)),
                                        ("clamp_max_", (0.4,)), ("fill_", (1.5,))])
def test_torch_level_in_place_forms_with_arguments(name, args):
    a, ta = both(VALUES)
    assert getattr(cr, name)(a, *args) is a
    getattr(torch, name)(ta, *args)
    assert_matches(a, ta)


def test_xlogy_in_place_and_detach():
    (a, ta), (b, tb) = both([0.0, 1.0, 2.0]), both([3.0, 0.5, 2.0])
    cr.xlogy_(a, b)
    torch.xlogy_(ta, tb)
    assert_matches(a, ta)
    leaf = cr.ones(2, requires_grad=True)
    assert not cr.detach(leaf * 2).requires_grad


def test_aliases_carry_gradients():
    a = cr.tensor(VALUES, dtype=cr.float64, requires_grad=True)
    ta = torch.tensor(VALUES, dtype=torch.float64, requires_grad=True)
    cr.multiply(cr.arctan(a), cr.subtract(a, 1.0)).sum().backward()
    torch.multiply(torch.arctan(ta), torch.subtract(ta, 1.0)).sum().backward()
    assert_matches(a.grad, ta.grad)


def test_ravel_is_a_view_when_contiguous():
    a = cr.arange(6.0).reshape(2, 3)
    flat = a.ravel()
    flat[0] = 10.0
    assert a[0, 0].item() == 10.0
    assert_matches(a.t().ravel(), torch.arange(6.0).reshape(2, 3).t().ravel().mul(1).index_put_(
        (torch.tensor([0]),), torch.tensor(10.0)))


def test_positive_of_bool_is_refused():
    assert_same_error(lambda: cr.positive(cr.tensor([True])), lambda: torch.positive(torch.tensor([True])), prefix=0)


def test_positive_keeps_the_tensor():
    a = cr.ones(2)
    assert cr.positive(a) is a


@pytest.mark.parametrize("args, kwargs", [((0, 5), {}), ((1, 2, 0.3), {}), ((5, 0, -1.5), {}),
                                          ((0, 4), {"dtype": "int64"}), ((-1, 1, 0.5), {"dtype": "float64"})])
def test_range_includes_the_end_and_warns(args, kwargs):
    ours_kwargs = {k: getattr(cr, v) for k, v in kwargs.items()}
    theirs_kwargs = {k: getattr(torch, v) for k, v in kwargs.items()}
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        ours = cr.range(*args, **ours_kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = torch.range(*args, **theirs_kwargs)
    assert_matches(ours, theirs)


@pytest.mark.parametrize("args", [(0, 5, -1), (0, 5, 0), (5, 0, 1)])
def test_range_errors_match_torch(args):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: cr.range(*args), lambda: torch.range(*args), prefix=0)


def test_range_requires_grad():
    with pytest.warns(UserWarning):
        assert cr.range(0, 2, requires_grad=True).requires_grad


DTYPES = ["bool", "int64", "float32", "float64"]


@pytest.mark.parametrize("first", DTYPES)
@pytest.mark.parametrize("second", DTYPES)
def test_promote_types_and_can_cast_match_torch(first, second):
    assert str(cr.promote_types(getattr(cr, first), getattr(cr, second))) == \
        str(torch.promote_types(getattr(torch, first), getattr(torch, second))).replace("torch", "chainrule")
    assert cr.can_cast(getattr(cr, first), getattr(cr, second)) == \
        torch.can_cast(getattr(torch, first), getattr(torch, second))


def _operand(kind, module):
    return {"float32 1-d": lambda: module.ones(2), "float64 1-d": lambda: module.ones(2, dtype=module.float64),
            "int64 1-d": lambda: module.ones(2, dtype=module.int64),
            "bool 1-d": lambda: module.ones(2, dtype=module.bool),
            "float64 0-d": lambda: module.tensor(1.0, dtype=module.float64),
            "int64 0-d": lambda: module.tensor(1), "bool 0-d": lambda: module.tensor(True),
            "float": lambda: 2.5, "int": lambda: 3, "bool": lambda: True}[kind]()


OPERANDS = ["float32 1-d", "float64 1-d", "int64 1-d", "bool 1-d", "float64 0-d", "int64 0-d", "bool 0-d",
            "float", "int", "bool"]


@pytest.mark.parametrize("first", OPERANDS[:7])
@pytest.mark.parametrize("second", OPERANDS)
def test_result_type_matches_torch(first, second):
    ours = cr.result_type(_operand(first, cr), _operand(second, cr))
    theirs = torch.result_type(_operand(first, torch), _operand(second, torch))
    assert str(ours).split(".")[-1] == str(theirs).split(".")[-1]


def test_result_type_of_two_numbers_and_bad_arguments():
    assert cr.result_type(3, 4.0) == cr.float32 and cr.result_type(True, 2) == cr.int64
    with pytest.raises(TypeError):
        cr.result_type(cr.ones(1), "x")
    assert_same_error(lambda: cr.can_cast(cr.float32, 1), lambda: torch.can_cast(torch.float32, 1), prefix=0)
