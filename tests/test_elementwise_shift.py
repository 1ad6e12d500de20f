"""Bitwise shifts (bitwise_left_shift / bitwise_right_shift, << >> <<= >>= and the reflected
operators) against PyTorch: int64 edge values and shift amounts outside [0, 64) (0 to the left, the
sign bits to the right), negative values (arithmetic right shift), broadcasting, Python numbers on
either side, bool operands (promoted beside int64, NotImplementedError alone), the in-place dtype
rules, and NotImplementedError for floats."""
import itertools
import operator

import pytest

import chainrule as cr
from conftest import requires_torch, torch

pytestmark = requires_torch

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
VALUES = [0, 1, -1, 5, -5, 3037000499, INT64_MIN, INT64_MAX]
SHIFTS = [-100, -64, -1, 0, 1, 2, 31, 62, 63, 64, 65, 100, INT64_MIN, INT64_MAX]
SHIFT_FUNCTIONS = ["bitwise_left_shift", "bitwise_right_shift"]
OPERATORS = {"bitwise_left_shift": operator.lshift, "bitwise_right_shift": operator.rshift}
IN_PLACE_OPERATORS = {"bitwise_left_shift": operator.ilshift, "bitwise_right_shift": operator.irshift}
# operand kind -> that operand in a library (chainrule or torch).
OPERAND_KINDS = {
    "bool": lambda lib: lib.tensor([True, False]), "int64": lambda lib: lib.tensor([3, -4]),
    "float32": lambda lib: lib.tensor([1.0, 2.0]), "0-d bool": lambda lib: lib.tensor(True),
    "0-d int64": lambda lib: lib.tensor(5), "0-d float32": lambda lib: lib.tensor(2.0),
    "number True": lambda lib: True, "number 2": lambda lib: 2, "number 1.5": lambda lib: 1.5,
}


def both(values):
    """The same int64 values as a chainrule and a torch tensor."""
    return cr.tensor(values), torch.tensor(values)


def same(got, want):
    assert str(got.dtype) == str(want.dtype).replace("torch.", "chainrule."), (got.dtype, want.dtype)
    assert tuple(got.shape) == tuple(want.shape)
    assert got.tolist() == want.tolist()


def outcome(fn):
    """fn()'s result, or the type of the error it raises."""
    try:
        return fn()
    except (TypeError, ValueError, RuntimeError) as error:
        return type(error)


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_every_value_by_every_shift_amount(name):
    pairs = list(itertools.product(VALUES, SHIFTS))
    (ca, ta), (cb, tb) = both([v for v, _ in pairs]), both([s for _, s in pairs])
    same(getattr(cr, name)(ca, cb), getattr(torch, name)(ta, tb))
    same(OPERATORS[name](ca, cb), OPERATORS[name](ta, tb))
    same(getattr(ca, name)(cb), getattr(ta, name)(tb))


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
@pytest.mark.parametrize("amount", [-1, 0, 1, 63, 64, 100])
def test_tensor_by_number_and_number_by_tensor(name, amount):
    (ca, ta), (cs, ts) = both(VALUES), both(SHIFTS)
    shift = OPERATORS[name]
    same(shift(ca, amount), shift(ta, amount))
    same(getattr(cr, name)(ca, amount), getattr(torch, name)(ta, amount))
    same(shift(amount, cs), shift(amount, ts))              # __rlshift__ / __rrshift__
    same(getattr(cr, name)(amount, cs), getattr(torch, name)(amount, ts))
    same(getattr(ca, name)(other=amount), getattr(ta, name)(other=amount))


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_reflected_operators_with_a_tensor(name):
    (ca, ta), (cb, tb) = both([1, -8, 3]), both([2, 1, 70])
    reflected = "__rlshift__" if name == "bitwise_left_shift" else "__rrshift__"
    same(getattr(ca, reflected)(cb), getattr(ta, reflected)(tb))  # cb shifted by ca


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
@pytest.mark.parametrize("shape_a, shape_b", [((3, 1), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((5,), ()),
                                              ((0, 3), (1, 3))])
def test_broadcasting_and_strided_operands(name, shape_a, shape_b):
    gen = torch.Generator().manual_seed(0)
    ta = torch.randint(-1000, 1000, shape_a, generator=gen)
    tb = torch.randint(-3, 70, shape_b, generator=gen)
    ca, cb = cr.tensor(ta.numpy()), cr.tensor(tb.numpy())
    same(getattr(cr, name)(ca, cb), getattr(torch, name)(ta, tb))
    if ta.dim() == 2:  # a transposed operand
        same(getattr(cr, name)(ca.t(), cb.reshape(-1, 1) if cb.dim() == 1 else cb.t()),
             getattr(torch, name)(ta.t(), tb.reshape(-1, 1) if tb.dim() == 1 else tb.t()))


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_bool_and_float_operands_promote_or_raise_as_in_torch(name):
    """Every pairing of bool, int64 and float tensors (dimensioned and 0-d) and Python numbers: the
    same dtype and values, or the same error (NotImplementedError for bool alone and for floats)."""
    mismatches = []
    for ka, kb in itertools.product(OPERAND_KINDS, OPERAND_KINDS):
        if ka.startswith("number") and kb.startswith("number"):
            continue
        want = outcome(lambda: OPERATORS[name](OPERAND_KINDS[ka](torch), OPERAND_KINDS[kb](torch)))
        got = outcome(lambda: OPERATORS[name](OPERAND_KINDS[ka](cr), OPERAND_KINDS[kb](cr)))
        if isinstance(want, type) or isinstance(got, type):
            if got is not want:
                mismatches.append((ka, kb, got, want))
        elif str(got.dtype) != str(want.dtype).replace("torch.", "chainrule.") or got.tolist() != want.tolist():
            mismatches.append((ka, kb, got, want))
    assert not mismatches, mismatches


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_in_place_forms_match_torch(name):
    (ca, ta), (cb, tb) = both([[1, -8, INT64_MIN], [7, INT64_MAX, -1]]), both([0, 63, 64])
    for other_c, other_t in [(cb, tb), (3, 3), (cr.tensor([True, False, True]), torch.tensor([True, False, True])),
                             (cr.tensor(2), torch.tensor(2))]:
        for form in ("method", "operator"):
            c, t = ca.clone(), ta.clone()
            if form == "method":
                got, want = getattr(c, name + "_")(other_c), getattr(t, name + "_")(other_t)
            else:
                got, want = IN_PLACE_OPERATORS[name](c, other_c), IN_PLACE_OPERATORS[name](t, other_t)
            assert got is c
            same(c, t)
            same(got, want)


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_in_place_dtype_errors_match_torch(name):
    """int64 self with a float operand: the result can't be cast (RuntimeError); bool self with an
    int64 operand: likewise; float or bool self shifted by its own kind: NotImplementedError."""
    cases = [("int64", "number 1.5"), ("int64", "float32"), ("int64", "0-d float32"), ("bool", "number 2"),
             ("bool", "int64"), ("bool", "number True"), ("bool", "bool"), ("float32", "number 2"),
             ("float32", "int64")]
    for self_kind, other_kind in cases:
        errors = []
        for lib in (cr, torch):
            self_ = OPERAND_KINDS[self_kind](lib)
            before = self_.tolist()
            with pytest.raises(RuntimeError) as error:
                getattr(self_, name + "_")(OPERAND_KINDS[other_kind](lib))
            errors.append(error.type)
            assert self_.tolist() == before
        assert errors[0] is errors[1], (self_kind, other_kind, errors)
    with pytest.raises(RuntimeError, match="can't be cast"):
        getattr(cr.tensor([1, 2]), name + "_")(1.5)


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_errors(name):
    with pytest.raises(NotImplementedError, match=name):
        getattr(cr, name)(cr.tensor([1.0, 2.0]), 1)
    with pytest.raises(NotImplementedError, match="float"):
        OPERATORS[name](cr.tensor([1, 2]), 1.0)
    with pytest.raises(NotImplementedError, match="bool"):
        OPERATORS[name](cr.tensor([True]), cr.tensor([True]))
    with pytest.raises(TypeError):
        getattr(cr, name)(1, 2)  # torch: no overload takes two numbers
    with pytest.raises(TypeError):
        OPERATORS[name](cr.tensor([1]), "a")
    with pytest.raises(ValueError, match="broadcast"):
        getattr(cr.tensor([1, 2]), name + "_")(cr.tensor([[1, 2], [3, 4]]))


@pytest.mark.parametrize("name", SHIFT_FUNCTIONS)
def test_no_gradient_as_in_torch(name):
    """Only floats can require a gradient, and floats are not shifted: both libraries raise."""
    x, tx = cr.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(NotImplementedError):
        OPERATORS[name](tx, 1)
    with pytest.raises(NotImplementedError):
        OPERATORS[name](x, 1)
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError):
        cr.tensor([1, 2]).requires_grad_()
