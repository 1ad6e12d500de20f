"""Helpers for tests that run the same call through chainrule and PyTorch: inputs made from one
NumPy array for both, and results compared by value, shape and dtype name."""
import numpy as np

import chainrule as cr
from conftest import torch


def both(array, **kwargs):
    """The same values as a chainrule tensor and a torch tensor (kwargs: dtype names, requires_grad)."""
    array = np.asarray(array)
    return cr.tensor(array, **kwargs), torch.tensor(array, **kwargs)


def dtype_name(dtype):
    return str(dtype).split(".")[-1]


def assert_matches(ours, theirs, rtol=1e-6, atol=1e-7):
    """ours (a chainrule tensor, number or tuple of them) equals theirs (PyTorch's): values, shape, dtype."""
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{ours!r} vs {theirs!r}"
        for o, t in zip(ours, theirs):
            assert_matches(o, t, rtol, atol)
        return
    if not isinstance(theirs, torch.Tensor):
        assert ours == theirs or (ours != ours and theirs != theirs), f"{ours!r} != {theirs!r}"
        return
    assert isinstance(ours, cr.Tensor), f"expected a tensor, got {ours!r}"
    assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != {tuple(theirs.shape)}"
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), f"dtype {ours.dtype} != {theirs.dtype}"
    got, want = ours.detach().numpy(), theirs.detach().numpy()
    if want.dtype == np.bool_:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
