"""repr/str of tensors against PyTorch's, character for character, and set_printoptions."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

_rng = np.random.default_rng(0)

# name -> NumPy array whose chainrule and PyTorch reprs must agree.
CASES = {
    "small": np.array([0.1234, 0.5, 0.75], dtype=np.float32),
    "matrix": np.array([[1.5, 2.25], [3.125, 4.0]], dtype=np.float32),
    "integer_valued": np.array([[1, 2], [3, 4]], dtype=np.float32),
    "integer_valued_negative": np.array([-1.0, 0.0, 100.0], dtype=np.float32),
    "zeros": np.zeros((2, 3), dtype=np.float32),
    "negative_zero": np.array([-0.0, 0.0, 1.5], dtype=np.float32),
    "negative": np.array([-1.5, -0.25, 3.0], dtype=np.float32),
    "mixed_randn": _rng.standard_normal((4, 5)).astype(np.float32),
    "large": np.array([1e9, 2e9, 3.5], dtype=np.float32),
    "tiny": np.array([1e-5, 2e-5], dtype=np.float32),
    "wide_ratio": np.array([1.0, 1001.0, 0.5], dtype=np.float32),
    "integer_valued_sci": np.array([1.0, 1e10], dtype=np.float32),
    "nan_inf": np.array([np.nan, np.inf, -np.inf, 1.5], dtype=np.float32),
    "nan_inf_int_valued": np.array([np.nan, np.inf, -np.inf, 2.0], dtype=np.float32),
    "only_nan": np.array([np.nan, np.nan], dtype=np.float32),
    "scalar": np.array(3.5, dtype=np.float32),
    "scalar_int_valued": np.array(3.0, dtype=np.float32),
    "scalar_int": np.array(7, dtype=np.int64),
    "scalar_bool": np.array(True),
    "scalar_nan": np.array(np.nan, dtype=np.float32),
    "scalar_f64": np.array(-2.5, dtype=np.float64),
    "int64": np.array([1, 2, -300], dtype=np.int64),
    "int64_matrix": np.arange(12, dtype=np.int64).reshape(3, 4) - 5,
    "bool": np.array([True, False, True]),
    "bool_matrix": np.array([[True, False], [False, True]]),
    "float64": np.array([1.0, 2.5, 1e-3], dtype=np.float64),
    "float64_int_valued": np.array([[1.0, 2.0]], dtype=np.float64),
    "empty_1d": np.zeros((0,), dtype=np.float32),
    "empty_2d": np.zeros((0, 3), dtype=np.float32),
    "empty_int": np.zeros((2, 0), dtype=np.int64),
    "empty_bool": np.zeros((0,), dtype=bool),
    "empty_f64": np.zeros((0, 2, 1), dtype=np.float64),
    "3d": _rng.standard_normal((2, 3, 4)).astype(np.float32),
    "4d": np.arange(24, dtype=np.float32).reshape(1, 2, 3, 4) / 7,
    "wrapping_row": _rng.standard_normal(30).astype(np.float32) * 100,
    "wrapping_ints": np.arange(40, dtype=np.int64) * 12345,
    "wrapping_matrix": _rng.standard_normal((3, 25)).astype(np.float32),
    "summarized_1d": np.arange(2000, dtype=np.float32) / 3,
    "summarized_2d": _rng.standard_normal((50, 40)).astype(np.float32),
    "summarized_3d": np.arange(3 * 20 * 30, dtype=np.int64).reshape(3, 20, 30),
    "summarized_bool": np.arange(1500) % 3 == 0,
    "summarized_f64": np.linspace(-1, 1, 1001, dtype=np.float64),
    "summarized_edge_ratio": np.concatenate([[1e-6], np.ones(1100), [5.0]]).astype(np.float32),
    "exactly_threshold": np.arange(1000, dtype=np.float32).reshape(10, 100),
    "tall": np.arange(10, dtype=np.float32).reshape(10, 1) * 0.5,
}


def torch_repr(t):
    return repr(t).replace("torch.", "chainrule.")


@requires_torch
@pytest.mark.parametrize("name", list(CASES))
def test_repr_matches_torch(name):
    arr = CASES[name]
    got = repr(cr.tensor(arr))
    assert got == torch_repr(torch.from_numpy(arr.copy())), got
    assert str(cr.tensor(arr)) == got


@requires_torch
@pytest.mark.parametrize("name", ["matrix", "3d", "int64_matrix"])
def test_repr_of_non_contiguous_views(name):
    arr = CASES[name]
    c, t = cr.tensor(arr), torch.from_numpy(arr.copy())
    assert repr(c.transpose(0, -1)) == torch_repr(t.transpose(0, -1))
    assert repr(c.select(0, 1)) == torch_repr(t.select(0, 1))


@requires_torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_repr_requires_grad(dtype):
    c = cr.tensor([[1.5, -2.0], [3.0, 4.25]], dtype=getattr(cr, dtype), requires_grad=True)
    t = torch.tensor([[1.5, -2.0], [3.0, 4.25]], dtype=getattr(torch, dtype), requires_grad=True)
    assert repr(c) == torch_repr(t)
    assert repr(cr.zeros(0, requires_grad=True)) == torch_repr(torch.zeros(0, requires_grad=True))


@requires_torch
def test_suffix_wraps_onto_a_new_line():
    arr = np.full((2, 9), 1.2345678, dtype=np.float64)
    c = cr.tensor(arr, requires_grad=True)
    t = torch.tensor(arr, requires_grad=True)
    assert repr(c) == torch_repr(t)
    assert repr(c).endswith("]],\n       dtype=chainrule.float64, requires_grad=True)")


@requires_torch
@pytest.mark.parametrize("options", [
    dict(precision=2),
    dict(precision=8),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(linewidth=40),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
])
@pytest.mark.parametrize("name", ["mixed_randn", "summarized_2d", "int64", "tiny", "summarized_1d", "3d"])
def test_printoptions_match_torch(options, name):
    arr = CASES[name]
    try:
        cr.set_printoptions(**options)
        torch.set_printoptions(**options)
        assert repr(cr.tensor(arr)) == torch_repr(torch.from_numpy(arr.copy()))
    finally:
        cr.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


def test_printoptions_context_manager_restores():
    before = cr.get_printoptions()
    with cr.printoptions(precision=1):
        assert repr(cr.tensor([1.25, 2.5])) == "tensor([1.2, 2.5])"
    assert cr.get_printoptions() == before
    assert repr(cr.tensor([1.25, 2.5])) == "tensor([1.2500, 2.5000])"


def test_set_printoptions_rejects_unknown_profile():
    with pytest.raises(ValueError, match="set_printoptions"):
        cr.set_printoptions(profile="tiny")


def test_known_strings_without_torch():
    assert repr(cr.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"
    assert repr(cr.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(cr.tensor([True, False])) == "tensor([ True, False])"
    assert repr(cr.tensor(3.5)) == "tensor(3.5000)"
    assert repr(cr.zeros(0, 3)) == "tensor([], size=(0, 3))"
    assert repr(cr.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(cr.ones(2, dtype=cr.float64)) == "tensor([1., 1.], dtype=chainrule.float64)"
    assert repr(cr.ones(2, requires_grad=True)) == "tensor([1., 1.], requires_grad=True)"
    assert repr(cr.arange(2000)).startswith("tensor([   0,    1,    2,  ..., 1997, 1998, 1999])")


def random_array(seed):
    """A random shape (0-3 dims, occasionally large), dtype and value scale, with some nan/inf/zeros."""
    rng = np.random.default_rng(seed)
    shape = tuple(rng.integers(0, 6, rng.integers(0, 4)))
    if seed % 7 == 0:
        shape = (int(rng.integers(30, 60)), int(rng.integers(30, 60)))
    dtype = [np.float32, np.float64, np.int64, np.bool_][seed % 4]
    scale = 10.0 ** rng.integers(-7, 10)
    values = np.asarray(rng.standard_normal(shape) * scale)
    if seed % 3 == 0:
        values = np.round(values)
    if seed % 5 == 0 and values.size:
        values.flat[0] = [np.nan, np.inf, -np.inf, 0.0][seed % 4]
    if dtype == np.bool_:
        return values > 0
    if dtype == np.int64:
        return np.nan_to_num(values, posinf=7, neginf=-7).clip(-1e12, 1e12).astype(np.int64)
    return values.astype(dtype)


@requires_torch
@pytest.mark.parametrize("seed", range(60))
def test_repr_matches_torch_random(seed):
    arr = np.asarray(random_array(seed))
    assert repr(cr.tensor(arr)) == torch_repr(torch.from_numpy(arr.copy()))
