"""Regression tests for unclear errors and reprs found by the hardening pass (issue 15): each
case raises PyTorch's exception type with a message naming the op, the shapes or dtypes and what
was expected, and dtypes print as PyTorch's do."""
import pytest

import chainrule as cr
from conftest import requires_torch, torch


@pytest.mark.parametrize("name", ["bool", "int64", "float32", "float64"])
def test_dtype_repr_and_str_read_like_torch(name):
    dtype = getattr(cr, name)
    assert repr(dtype) == str(dtype) == f"{dtype}" == f"chainrule.{name}"
    if torch is not None:
        assert repr(dtype).replace("chainrule", "torch") == repr(getattr(torch, name))


def test_tensor_dtype_attribute_repr():
    assert repr(cr.zeros(2).dtype) == "chainrule.float32"
    assert repr(cr.zeros(2, dtype=cr.float64)) == "tensor([0., 0.], dtype=chainrule.float64)"
