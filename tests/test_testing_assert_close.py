"""chainrule.testing.assert_close: PyTorch's default tolerances per dtype, its checks (shape, dtype,
device), its messages, and nested sequences / mappings."""
import pytest

import chainrule as cr
from chainrule.testing import assert_close


def test_passes_within_dtype_tolerances():
    assert_close(cr.tensor([1.0, 2.0]), cr.tensor([1.0, 2.0 + 1e-6]))  # float32: rtol 1.3e-6, atol 1e-5
    assert_close(cr.tensor([1.0], dtype=cr.float64), cr.tensor([1.0 + 5e-8], dtype=cr.float64))
    assert_close(cr.tensor([float("nan")]), cr.tensor([float("nan")]), equal_nan=True)
    assert_close([cr.ones(2), {"a": cr.zeros(1)}], [cr.ones(2), {"a": cr.zeros(1)}])
    assert_close(cr.tensor([1.0]), cr.tensor([1.1]), rtol=0.2, atol=0.0)


def test_mismatch_message_is_pytorchs():
    with pytest.raises(AssertionError) as info:
        assert_close(cr.tensor([1.0, 2.0, 3.0]), cr.tensor([1.0, 2.5, 3.1]))
    assert str(info.value) == ("Tensor-likes are not close!\n\nMismatched elements: 2 / 3 (66.7%)\n"
                               "Greatest absolute difference: 0.5 at index (1,) (up to 1e-05 allowed)\n"
                               "Greatest relative difference: 0.2 at index (1,) (up to 1.3e-06 allowed)")
    with pytest.raises(AssertionError, match="not equal!"):
        assert_close(cr.tensor([1, 2]), cr.tensor([1, 3]))
    with pytest.raises(AssertionError, match=r"item \['a'\]"):
        assert_close({"a": cr.tensor([1.0])}, {"a": cr.tensor([2.0])})
    with pytest.raises(AssertionError, match="nan"):
        assert_close(cr.tensor([float("nan")]), cr.tensor([float("nan")]))
    with pytest.raises(AssertionError, match="custom"):
        assert_close(cr.tensor([1.0]), cr.tensor([2.0]), msg="custom")


def test_attribute_checks_and_bad_arguments():
    with pytest.raises(AssertionError, match="attribute 'dtype'"):
        assert_close(cr.tensor([1.0]), cr.tensor([1.0], dtype=cr.float64))
    assert_close(cr.tensor([1.0]), cr.tensor([1.0], dtype=cr.float64), check_dtype=False)
    with pytest.raises(AssertionError, match="attribute 'shape'"):
        assert_close(cr.ones(2), cr.ones(3))
    with pytest.raises(AssertionError, match="Scalars are not close"):
        assert_close(1.0, 1.1)
    with pytest.raises(ValueError, match="no atol"):
        assert_close(cr.ones(1), cr.ones(1), rtol=1e-3)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close(cr.ones(1), 1.0)


def test_stride_and_subclass_checks():
    x = cr.arange(6.0).reshape(2, 3)
    assert_close(x.t(), x.t().contiguous())  # strides are not compared by default
    with pytest.raises(AssertionError, match=r"'stride\(\)'"):
        assert_close(x.t(), x.t().contiguous(), check_stride=True)
    p = cr.nn.Parameter(cr.ones(2))
    assert_close(p, cr.ones(2))
    with pytest.raises(AssertionError, match="types of the inputs"):
        assert_close(p, cr.ones(2), allow_subclasses=False)
