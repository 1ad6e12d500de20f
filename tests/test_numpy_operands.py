"""A tensor meeting a NumPy array in an operator gives a tensor, as in PyTorch (minimalRL's vtrace.py:
`delta = rhos * (td_target - v).numpy()` then `F.smooth_l1_loss(self.v(s), vs)` with vs = tensor + ndarray);
`t += ndarray` rebinds t to a new tensor, as PyTorch's in-place operators decline arrays."""
import operator
import warnings

import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

OPERATORS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.pow, operator.eq]
ARRAYS = [np.array([[0.5], [0.25]], dtype=np.float32), np.array([[1.0], [2.0]]), np.array([3, 4]), np.array(2.0)]


def _both(op, values, array):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch's __array_wrap__ takes no context=
        return op(cr.tensor(values), array), op(torch.tensor(values), array)


@requires_torch
@pytest.mark.parametrize("op", OPERATORS, ids=lambda op: op.__name__)
@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype}{a.shape}")
@pytest.mark.parametrize("values", [[[1.0], [-2.0]], [[1], [2]]], ids=["float", "long"])
def test_tensor_op_ndarray_is_a_tensor_like_pytorchs(op, array, values):
    got, want = _both(op, values, array)
    assert isinstance(got, cr.Tensor)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


@requires_torch
def test_numpy_ufunc_of_a_tensor_is_a_tensor_like_pytorchs():
    for ufunc in (np.exp, lambda t: np.maximum(t, 0), lambda t: np.greater(t, 0)):
        got, want = _both(lambda t, _: ufunc(t), [1.0, -2.0], None)
        assert isinstance(got, cr.Tensor)
        assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]  # a bool result is uint8
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6)


def test_tensor_plus_ndarray_feeds_a_loss():
    v = cr.tensor([[1.0], [2.0]], requires_grad=True)
    target = cr.tensor([[0.5], [0.5]]) + np.array([[0.0], [1.0]], dtype=np.float32)
    loss = cr.nn.functional.smooth_l1_loss(v, target)
    loss.backward()
    assert loss.item() == pytest.approx(0.125)  # 0.5 * 0.5**2 each


def test_tensors_stay_hashable_by_identity():
    t = cr.tensor([1.0])
    assert {t: 1}[t] == 1 and hash(t) == hash(t) and (t == t).all()


IN_PLACE = ["__iadd__", "__isub__", "__imul__", "__itruediv__", "__ipow__", "__ifloordiv__"]


@requires_torch
@pytest.mark.parametrize("name", IN_PLACE)
@pytest.mark.parametrize("array", [np.array([1.0, 2.0]), np.array(2.0), np.array([1, 2])], ids=["f64", "0-d", "i64"])
def test_in_place_operator_with_ndarray_makes_a_new_tensor_like_pytorch(name, array):
    def run(lib):
        t = lib.tensor([1.0, 3.0])
        result = getattr(t, name)(array)
        assert result is NotImplemented  # Python then computes the binary operator and rebinds
        return t, {"__iadd__": t + array, "__isub__": t - array, "__imul__": t * array, "__itruediv__": t / array,
                   "__ipow__": t ** array, "__ifloordiv__": t // array}[name]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # PyTorch's __array_wrap__ takes no context=
        (got_before, got), (_, want) = run(cr), run(torch)
    assert got_before.tolist() == [1.0, 3.0] and isinstance(got, cr.Tensor)
    assert str(got.dtype).split(".")[1] == str(want.dtype).split(".")[1]
    np.testing.assert_allclose(got.numpy(), want.numpy())


def test_augmented_assignment_with_ndarray_rebinds():
    t = original = cr.zeros(2)
    t += np.array([0.5, 1.5], dtype=np.float32)
    assert t is not original and original.tolist() == [0.0, 0.0] and t.tolist() == [0.5, 1.5]
    t = original = cr.zeros(2)
    t += cr.ones(2)  # a tensor operand stays in place
    assert t is original and t.tolist() == [1.0, 1.0]


@requires_torch
def test_matmul_with_ndarray_keeps_a_zero_dim_result_like_pytorch():
    got, want = _both(lambda t, a: t @ a, [1.0, 2.0], np.array([0.5, 0.25], dtype=np.float32))
    assert isinstance(got, cr.Tensor) and tuple(got.shape) == tuple(want.shape) == ()
    assert got.item() == want.item()
