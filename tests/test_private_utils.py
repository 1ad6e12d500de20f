"""chainrule._utils against torch._utils: the dense-tensor flatten/unflatten helpers that programs import
directly (openai/guided-diffusion's fp16_util.py: `from torch._utils import _flatten_dense_tensors, ...`)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule._utils import _flatten_dense_tensors, _unflatten_dense_tensors
from conftest import requires_torch, torch


def _pair(shape, transpose=False):
    values = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    ours, theirs = cr.tensor(values), torch.tensor(values)
    return (ours.t(), theirs.t()) if transpose else (ours, theirs)


@requires_torch
@pytest.mark.parametrize("shapes", [[(2, 3)], [(2, 3), (4,), (1, 2, 2)], [(3,), (0,), (2, 2)]])
def test_flatten_then_unflatten_matches_pytorch(shapes):
    from torch._utils import _flatten_dense_tensors as theirs_flatten, _unflatten_dense_tensors as theirs_unflatten
    pairs = [_pair(shape, transpose=len(shape) == 2) for shape in shapes]
    ours = [p[0] for p in pairs]
    theirs = [p[1] for p in pairs]
    flat, flat_theirs = _flatten_dense_tensors(ours), theirs_flatten(theirs)
    np.testing.assert_array_equal(flat.numpy(), flat_theirs.numpy())
    assert flat.is_contiguous() and flat.dim() == 1
    views, views_theirs = _unflatten_dense_tensors(flat, ours), theirs_unflatten(flat_theirs, theirs)
    assert isinstance(views, tuple) and isinstance(views_theirs, tuple)
    for view, view_theirs in zip(views, views_theirs):
        assert tuple(view.shape) == tuple(view_theirs.shape)
        np.testing.assert_array_equal(view.numpy(), view_theirs.numpy())


def test_unflattened_pieces_are_views_of_the_buffer():
    ours = [cr.zeros(2, 2), cr.zeros(3)]
    flat = _flatten_dense_tensors(ours)
    first, second = _unflatten_dense_tensors(flat, ours)
    second.fill_(7.0)
    np.testing.assert_array_equal(flat.numpy(), [0, 0, 0, 0, 7, 7, 7])


def test_flatten_is_differentiable():
    a, b = cr.ones(2, 2, requires_grad=True), cr.ones(3, requires_grad=True)
    (_flatten_dense_tensors([a, b]) * cr.arange(7.0)).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[0, 1], [2, 3]])
    np.testing.assert_array_equal(b.grad.numpy(), [4, 5, 6])


@requires_torch
def test_flatten_of_nothing_is_a_value_error_like_pytorch():
    from torch._utils import _flatten_dense_tensors as theirs_flatten
    with pytest.raises(ValueError):
        theirs_flatten([])
    with pytest.raises(ValueError):
        _flatten_dense_tensors([])
