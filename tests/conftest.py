"""Shared pytest fixtures and helpers: NumPy comparison and the optional PyTorch oracle."""
import numpy as np
import pytest

import chainrule as cr

try:
    import torch
except ImportError:  # the cross-checks skip with this reason
    torch = None

requires_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed (pip install torch==2.13.0)")


def assert_close(actual, expected, rtol=1e-5, atol=1e-6):
    """Compares a chainrule tensor (or number) with a NumPy array: values, shape and dtype kind."""
    got = actual.numpy() if isinstance(actual, cr.Tensor) else np.asarray(actual)
    want = np.asarray(expected)
    assert got.shape == want.shape, f"shape {got.shape} != expected {want.shape}"
    if want.dtype == np.bool_ or got.dtype == np.bool_:
        np.testing.assert_array_equal(got, want)
    else:
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


@pytest.fixture(autouse=True)
def _seed():
    cr.manual_seed(1234)
    np.random.seed(1234)
