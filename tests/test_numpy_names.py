"""NumPy's argument names, which PyTorch accepts beside its own: axis= for dim=, keepdims= for
keepdim= (x.sum(1, keepdims=True) in many notebooks), on functions and Tensor methods alike."""
import numpy as np
import pytest

import chainrule as cr
from conftest import assert_close, requires_torch, torch

X = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "amax", "amin", "logsumexp", "all", "any"])
def test_reductions_take_axis_and_keepdims(name):
    x = cr.tensor(X)
    expected = getattr(x, name)(1, keepdim=True)
    assert_close(getattr(x, name)(axis=1, keepdims=True), expected.numpy())
    assert_close(getattr(cr, name)(x, axis=1, keepdims=True), expected.numpy())
    assert_close(getattr(x, name)(1, keepdims=True), expected.numpy())


def test_max_with_axis_returns_values_and_indices():
    values, indices = cr.tensor(X).max(axis=0, keepdims=True)
    assert values.tolist() == [[8.0, 9.0, 10.0, 11.0]] and indices.tolist() == [[2, 2, 2, 2]]
    assert cr.argmax(cr.tensor(X), axis=1).tolist() == [3, 3, 3]


def test_a_call_that_fits_no_overload_still_raises_a_type_error():
    with pytest.raises(TypeError):
        cr.tensor(X).sum(1, keepdims=True, nonsense=2)
    with pytest.raises(TypeError):
        cr.tensor(X).sum(1, axis=1)  # dim given twice


@requires_torch
def test_same_results_as_pytorch():
    ours = cr.tensor(X).sum(axis=0, keepdims=True)
    theirs = torch.tensor(X).sum(axis=0, keepdims=True)
    assert_close(ours, theirs.numpy())
