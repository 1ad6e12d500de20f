"""A tensor meeting a NumPy array in an operator gives a tensor, as in PyTorch (minimalRL's vtrace.py:
`delta = rhos * (td_target - v).numpy()` then `F.smooth_l1_loss(self.v(s), vs)` with vs = tensor + ndarray)."""
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
