"""Tensor.apply_ and map_ against torch: values for each dtype kind,
views written through, broadcasting of map_'s other, conversion of the callable's results, and
torch's errors (grad-requiring tensors, dtype mismatch, non-real results, CUDA tensors)."""
import numpy as np
import pytest

import chainrule as cr
from conftest import requires_torch, torch

requires_cuda = pytest.mark.skipif(not cr.cuda.is_available(), reason="needs a CUDA device")


def both(values, dtype):
    """(chainrule tensor, torch tensor) holding the same values."""
    array = np.asarray(values, dtype=dtype)
    return cr.tensor(array), torch.tensor(array)


def assert_same_values(ours, theirs):
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@requires_torch
@pytest.mark.parametrize("dtype, fn", [
    (np.float32, lambda x: x * x - 1.5), (np.float64, lambda x: x / 3), (np.int64, lambda x: x / 2),
    (np.int64, lambda x: x + 0.9), (np.int64, lambda x: -x), (np.bool_, lambda x: not x),
    (np.float32, lambda x: True), (np.float32, lambda x: 1e300)])
def test_apply_matches_torch(dtype, fn):
    ours, theirs = both(np.arange(-3, 3).reshape(2, 3), dtype)
    result = ours.apply_(fn)
    assert result is ours
    assert_same_values(ours, theirs.apply_(fn))


@requires_torch
def test_apply_writes_through_a_view_and_bumps_the_version():
    ours, theirs = both(np.arange(6).reshape(2, 3), np.float32)
    version = ours._version
    ours.t().apply_(lambda x: x + 10 if x > 2 else x)
    theirs.t().apply_(lambda x: x + 10 if x > 2 else x)
    assert_same_values(ours, theirs)
    assert ours._version > version


@requires_torch
def test_map_broadcasts_other_like_torch():
    ours, theirs = both(np.ones((2, 3)), np.float64)
    other_ours, other_theirs = both([1.0, 2.0, 3.0], np.float64)
    assert ours.map_(other_ours, lambda x, y: x * 10 + y) is ours
    assert_same_values(ours, theirs.map_(other_theirs, lambda x, y: x * 10 + y))


@requires_torch
@pytest.mark.parametrize("call", [
    lambda mod: mod.ones(3).apply_(lambda x: "a"),
    lambda mod: mod.ones(3).apply_(lambda x: None),
    lambda mod: mod.ones(3).apply_(lambda x: 3 + 0j),
    lambda mod: mod.ones(3).map_(mod.ones(3, dtype=mod.float64), lambda x, y: x),
    lambda mod: mod.ones(3).map_([1.0, 2.0, 3.0], lambda x, y: x),
])
def test_type_errors_like_torch(call):
    with pytest.raises(TypeError) as want:
        call(torch)
    with pytest.raises(TypeError) as got:
        call(cr)
    assert str(got.value) == str(want.value)


@requires_torch
@pytest.mark.parametrize("call", [
    lambda mod: mod.ones(3, requires_grad=True).apply_(lambda x: x),
    lambda mod: (mod.ones(3, requires_grad=True) * 2).apply_(lambda x: x),
    lambda mod: mod.ones(3).map_(mod.ones(3, requires_grad=True), lambda x, y: x),
    lambda mod: mod.ones(3, dtype=mod.int64).apply_(lambda x: 1e20),
])
def test_runtime_errors_like_torch(call):
    with pytest.raises(RuntimeError) as want:
        call(torch)
    with pytest.raises(RuntimeError) as got:
        call(cr)
    assert str(got.value) == str(want.value)


@requires_cuda
def test_cuda_tensors_are_refused_like_torch():
    t = cr.ones(3, device="cuda")
    with pytest.raises(TypeError, match="apply_ is only implemented on CPU tensors"):
        t.apply_(lambda x: x)
    with pytest.raises(TypeError, match="map_ is only implemented on CPU tensors"):
        t.map_(cr.ones(3, device="cuda"), lambda x, y: x)

