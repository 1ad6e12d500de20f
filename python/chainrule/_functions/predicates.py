"""Value tests and value cleaning: isnan/isinf/isfinite/isposinf/isneginf, isclose/allclose/equal,
nan_to_num and count_nonzero, with PyTorch's dtype rules (integer and bool tensors are never nan or inf)."""
import numpy as np

from chainrule import _C
from chainrule._C import Tensor

_INF = float("inf")


def _floating(t):
    return t.dtype in (_C.dtype.float32, _C.dtype.float64)


def _check_tensor(op, t):
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}(): argument 'input' must be a Tensor, not {type(t).__name__}")


def isnan(input):
    _check_tensor("isnan", input)
    return input != input if _floating(input) else _C.zeros_like(input, dtype=_C.dtype.bool)


def isposinf(input):
    _check_tensor("isposinf", input)
    return input == _INF if _floating(input) else _C.zeros_like(input, dtype=_C.dtype.bool)


def isneginf(input):
    _check_tensor("isneginf", input)
    return input == -_INF if _floating(input) else _C.zeros_like(input, dtype=_C.dtype.bool)


def isinf(input):
    _check_tensor("isinf", input)
    return input.abs() == _INF if _floating(input) else _C.zeros_like(input, dtype=_C.dtype.bool)


def isfinite(input):
    _check_tensor("isfinite", input)
    if not _floating(input):
        return _C.ones_like(input, dtype=_C.dtype.bool)
    return (input - input) == 0  # nan and +-inf give nan; finite values give 0


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol * |other|, elementwise; equal values (infinities too) are close."""
    _check_tensor("isclose", input)
    _check_tensor("isclose", other)
    if input.dtype != other.dtype:
        raise RuntimeError(f"isclose: {input.dtype} did not match {other.dtype} (both inputs need the same dtype)")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"isclose: rtol and atol must be non-negative, got rtol={rtol}, atol={atol}")
    input, other = input.detach(), other.detach()
    equal = input == other
    if input.dtype == _C.dtype.bool:
        return equal
    if not _floating(input):
        input, other = input.double(), other.double()
    close = equal | ((input - other).abs() <= atol + rtol * other.abs())
    if equal_nan and _floating(input):
        close = close | (isnan(input) & isnan(other))
    return close


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether every element of input is close to other (broadcasting), as one Python bool."""
    return builtin_bool(isclose(input, other, rtol, atol, equal_nan).all().item())


builtin_bool = bool


def equal(input, other):
    """True when both tensors have the same shape and the same values (after type promotion)."""
    _check_tensor("equal", input)
    _check_tensor("equal", other)
    if input.shape != other.shape:
        return False
    return builtin_bool((input.detach() == other.detach()).all().item())


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    """Replaces nan by `nan`, +inf by `posinf` and -inf by `neginf` (default: the dtype's largest and
    smallest finite values); gradients flow to the elements kept."""
    _check_tensor("nan_to_num", input)
    if not _floating(input):
        return input.clone()
    limit = np.finfo(np.float32 if input.dtype == _C.dtype.float32 else np.float64).max
    posinf = float(limit) if posinf is None else posinf
    neginf = -float(limit) if neginf is None else neginf
    out = _C.where(input != input, nan, input)
    out = _C.where(input == _INF, posinf, out)
    return _C.where(input == -_INF, neginf, out)


def _nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    return self.copy_(nan_to_num(self, nan, posinf, neginf))


def count_nonzero(input, dim=None):
    """The number of non-zero elements (int64), over all of input or along dim (an int or a tuple)."""
    _check_tensor("count_nonzero", input)
    nonzero = input != 0
    if dim is None:
        return nonzero.sum()
    return nonzero.sum(dim)


for _name in ("isnan", "isinf", "isfinite", "isposinf", "isneginf", "isclose", "allclose", "equal",
              "nan_to_num", "count_nonzero"):
    setattr(Tensor, _name, globals()[_name])
Tensor.nan_to_num_ = _nan_to_num_
