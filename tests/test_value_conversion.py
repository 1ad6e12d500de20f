"""Values that must not change silently on the way in (issue 15, defect 5), checked against PyTorch:
bool bytes other than 0/1 from NumPy or a checkpoint, Python ints past int64, and NaN/inf/out-of-range
floats written into int64."""
import math

import numpy as np
import pytest

import chainrule
from tests.conftest import requires_torch, torch


def odd_bools():
    """A bool array whose bytes are 2, 1, 255: all True to NumPy, but not 0/1 in memory."""
    return np.array([2, 1, 255], dtype=np.uint8).view(np.bool_)


# ---- bool bytes other than 0/1 --------------------------------------------------------------

@requires_torch
@pytest.mark.parametrize("make", ["from_numpy", "tensor", "as_tensor"])
def test_odd_bool_bytes_are_true(make):
    ours, theirs = getattr(chainrule, make)(odd_bools()), getattr(torch, make)(odd_bools())
    assert ours.sum().item() == theirs.sum().item() == 3
    assert (~ours).tolist() == (~theirs).tolist() == [False, False, False]
    assert ours.long().tolist() == theirs.long().tolist() == [1, 1, 1]


def test_from_numpy_keeps_sharing_memory():
    # The bytes are made 0/1 in place (the bools NumPy sees do not change), so writes still show.
    a = odd_bools()
    t = chainrule.from_numpy(a)
    assert a.tolist() == [True, True, True]
    t[0] = False
    assert a.tolist() == [False, True, True]


def test_tensor_copies_without_touching_the_array():
    a = odd_bools()
    assert chainrule.tensor(a).sum().item() == 3
    assert a.view(np.uint8).tolist() == [2, 1, 255]


def test_read_only_odd_bools_are_copied():
    a = odd_bools()
    a.flags.writeable = False
    assert chainrule.from_numpy(a).sum().item() == 3
    assert a.view(np.uint8).tolist() == [2, 1, 255]


def test_odd_bools_from_a_safetensors_file(tmp_path):
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    path = str(tmp_path / "m.safetensors")
    safetensors_numpy.save_file({"mask": np.ascontiguousarray(odd_bools())}, path)
    mask = chainrule.load(path)["mask"]
    assert mask.sum().item() == 3 and (~mask).tolist() == [False, False, False]


@requires_torch
def test_odd_bools_from_a_torch_checkpoint(tmp_path):
    path = str(tmp_path / "m.pt")
    torch.save({"mask": torch.from_numpy(odd_bools())}, path)
    mask = chainrule.load(path)["mask"]
    assert mask.sum().item() == torch.load(path)["mask"].sum().item() == 3
    assert (~mask).tolist() == [False, False, False]


# ---- Python ints past int64 -----------------------------------------------------------------

TOO_BIG = [2**64 - 1, 2**63, -2**63 - 1, 2**64]


def raises_like_torch(call, error, match):
    """call(module) raises `error` matching `match` for both PyTorch and chainrule."""
    if torch is not None:
        with pytest.raises(error, match=match):
            call(torch)
    with pytest.raises(error, match=match):
        call(chainrule)


@pytest.mark.parametrize("value", TOO_BIG)
def test_tensor_rejects_ints_past_int64(value):
    raises_like_torch(lambda m: m.tensor([value]), ValueError, "Overflow when unpacking long")
    raises_like_torch(lambda m: m.tensor(value), ValueError, "Overflow when unpacking long")
    raises_like_torch(lambda m: m.tensor([[1, 2], [3, value]]), ValueError, "Overflow when unpacking long")


def test_tensor_still_takes_the_int64_extremes():
    assert chainrule.tensor([2**63 - 1, -2**63]).tolist() == [2**63 - 1, -2**63]


def test_uint64_array_past_int64_is_rejected():
    # chainrule has no uint64 (PyTorch makes a uint64 tensor); wrapping to -1 would be wrong.
    with pytest.raises(ValueError, match="does not fit in int64"):
        chainrule.tensor(np.array([2**64 - 1], dtype=np.uint64))


@requires_torch
def test_big_ints_beside_floats_are_floats():
    data = [2**70, 1.5]
    assert chainrule.tensor(data).tolist() == torch.tensor(data).tolist()


def setitem_into_int64(m, value):
    x = m.zeros(2, dtype=m.int64)
    x[0] = value


@pytest.mark.parametrize("value", TOO_BIG)
def test_scalar_ints_past_int64_are_rejected(value):
    # PyTorch: RuntimeError for full/fill_, ValueError for setitem (OverflowError below -2**63); chainrule rejects them all with
    # one ValueError from its one Python-int conversion (cpp/bindings/convert.cpp, as_scalar).
    for call in (lambda m: m.full((2,), value), lambda m: m.zeros(2, dtype=m.int64).fill_(value),
                 lambda m: setitem_into_int64(m, value)):
        with pytest.raises(ValueError, match="does not fit in int64"):
            call(chainrule)
        if torch is not None:
            with pytest.raises((ValueError, RuntimeError, OverflowError)):
                call(torch)


@pytest.mark.parametrize("value", TOO_BIG)
def test_arithmetic_with_ints_past_int64_is_rejected(value):
    # PyTorch raises OverflowError past 2**64 but wraps [2**63, 2**64) (int64 + 2**64 - 1 is -1):
    # chainrule rejects every int outside int64 instead of wrapping.
    for call in (lambda m: m.zeros(2, dtype=m.int64) + value, lambda m: m.zeros(2) * value):
        with pytest.raises(ValueError, match="does not fit in int64"):
            call(chainrule)


# ---- NaN, inf and out-of-range floats into int64 --------------------------------------------

NOT_INT64 = [math.nan, math.inf, -math.inf, 1e30, -1e19]

@pytest.mark.parametrize("value", NOT_INT64)
@pytest.mark.parametrize("call, op", [
    (lambda m, v: m.zeros(2, dtype=m.int64).fill_(v), "fill_"),
    (lambda m, v: m.full((2,), v, dtype=m.int64), "full"),
    (setitem_into_int64, "index_put_"),
    (lambda m, v: m.zeros(2, dtype=m.int64).masked_fill_(m.tensor([True, False]), v), "masked_fill_"),
    (lambda m, v: m.tensor([1.0, v], dtype=m.int64), "tensor"),
])
def test_floats_that_int64_cannot_hold_raise(call, op, value):
    raises_like_torch(lambda m: call(m, value), RuntimeError, "value cannot be converted to type int64")
    with pytest.raises(RuntimeError, match=f"^{op}: "):
        call(chainrule, value)


def test_two_to_the_63_does_not_fit_int64():
    # PyTorch's range check lets 2.0**63 through (INT64_MAX rounds up to it as a double) and the
    # cast gives INT64_MIN; chainrule rejects it.
    with pytest.raises(RuntimeError, match="^fill_: value cannot be converted to type int64"):
        chainrule.zeros(1, dtype=chainrule.int64).fill_(2.0**63)
    with pytest.raises(RuntimeError, match="^tensor: value cannot be converted to type int64"):
        chainrule.tensor([2.0**63], dtype=chainrule.int64)


@requires_torch
def test_finite_floats_into_int64_truncate_like_torch():
    for value in (2.9, -2.9, -2.0**63):
        ours = chainrule.zeros(1, dtype=chainrule.int64).fill_(value)
        assert ours.tolist() == torch.zeros(1, dtype=torch.int64).fill_(value).tolist()


@requires_torch
def test_tensor_casts_as_c_does():
    # PyTorch casts tensors and NumPy arrays without a check (INT64_MIN on x86); so does chainrule.
    values = [math.nan, math.inf, 1e30, 2.5]
    theirs = torch.tensor(values).long().tolist()
    assert chainrule.tensor(values).long().tolist() == theirs
    assert chainrule.tensor(np.array(values), dtype=chainrule.int64).tolist() == \
        torch.tensor(np.array(values), dtype=torch.int64).tolist() == theirs


def test_float_tensors_still_take_nan():
    x = chainrule.zeros(2)
    x[0] = math.nan
    x.fill_(math.inf)
    assert chainrule.full((1,), math.nan).isnan().all().item()
    assert chainrule.zeros(2, dtype=chainrule.int64).add(math.nan).isnan().all().item()


# A finite float beyond float32's range: written into a float32 tensor it is a RuntimeError, as in
# PyTorch (it became inf); used in arithmetic it rounds to inf, as in PyTorch. Found by tests/fuzz.
WRITES_OF_1E300 = {
    "full": lambda T: T.full((2,), 1e300),
    "fill_": lambda T: T.zeros(2).fill_(1e300),
    "masked_fill": lambda T: T.zeros(2).masked_fill(T.tensor([True, False]), 1e300),
    "where": lambda T: T.where(T.tensor(False), T.tensor(0.5), 1e300),
    "clamp": lambda T: T.clamp(T.zeros(2), max=1e300),
    "setitem": lambda T: T.zeros(2).__setitem__(0, 1e300),
    "full at FLT_MAX's next double": lambda T: T.full((1,), 3.4028235e38),
}


@requires_torch
@pytest.mark.parametrize("name", list(WRITES_OF_1E300))
def test_float32_writes_past_its_range_raise_as_in_torch(name):
    with pytest.raises(RuntimeError, match="value cannot be converted to type float without overflow"):
        torch_raises = WRITES_OF_1E300[name](torch)  # noqa: F841 -- PyTorch raises first: same rule
    with pytest.raises(RuntimeError, match="cannot be converted to type float without overflow"):
        WRITES_OF_1E300[name](chainrule)


@requires_torch
def test_float32_arithmetic_past_its_range_rounds_as_in_torch():
    for T in (chainrule, torch):
        assert (T.zeros(2) + 1e300).tolist() == [math.inf] * 2
        assert (T.ones(2) * -1e300).tolist() == [-math.inf] * 2
        assert (T.zeros(1) + 3.4028235e38).tolist() == [3.4028234663852886e38]  # rounds to FLT_MAX
    assert chainrule.full((2,), 1e300, dtype=chainrule.float64).tolist() == [1e300] * 2


@requires_torch
def test_integer_arange_of_float_bounds_truncates_them_first():
    for args in [(-1.5, 0.5), (0.5, 3.7, 1.2), (-3.9, -0.1)]:
        assert chainrule.arange(*args, dtype=chainrule.int64).tolist() == \
            torch.arange(*args, dtype=torch.int64).tolist()
    with pytest.raises(ValueError, match="step must be nonzero"):
        chainrule.arange(-1.5, 0.5, 0.5, dtype=chainrule.int64)  # the step truncates to 0


@requires_torch
def test_sign_of_nan_and_negative_zero_is_zero_and_int_pow_in_place_checks():
    values = [math.nan, -0.0, 0.0, -2.0, 3.0]
    ours, theirs = chainrule.sign(chainrule.tensor(values)), torch.sign(torch.tensor(values))
    assert ours.tolist() == theirs.tolist()
    assert [math.copysign(1, v) for v in ours.tolist()] == [math.copysign(1, v) for v in theirs.tolist()]
    with pytest.raises(ValueError, match="negative integer powers"):
        chainrule.tensor([2, 3]).pow_(-3)
