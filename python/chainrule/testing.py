"""chainrule.testing.assert_close: torch.testing.assert_close's checks, default tolerances and messages.

Tensors (or NumPy arrays, or Python numbers, or sequences / mappings of them, compared item by item)
must match in shape, dtype and device, and be close: |actual - expected| <= atol + rtol * |expected|,
with rtol/atol from the expected dtype unless both are given; infinities must be equal, and nan only
matches nan with equal_nan=True.
"""
import collections.abc
import math
from dataclasses import dataclass

import numpy as np

from chainrule import _C
from chainrule._C import Tensor

__all__ = ["assert_close"]

# (rtol, atol) per dtype, PyTorch's table; integers and bool compare exactly.
_PRECISIONS = {_C.dtype.float32: (1.3e-6, 1e-5), _C.dtype.float64: (1e-7, 1e-7)}


@dataclass(frozen=True)
class _Options:
    rtol: object
    atol: object
    equal_nan: bool
    check_device: bool
    check_dtype: bool
    check_stride: bool
    allow_subclasses: bool
    msg: object


def _fail(message, msg, path):
    if callable(msg):
        message = msg(message)
    elif msg is not None:
        message = msg
    if path:
        message += "\n\nThe failure occurred for item " + "".join(f"[{p!r}]" for p in path)
    raise AssertionError(message)


def _tolerances(dtype, rtol, atol):
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    if rtol is not None:
        return rtol, atol
    return _PRECISIONS.get(dtype, (0.0, 0.0))


def _compare_scalars(actual, expected, opts, path):
    rtol, atol, equal_nan, msg = opts.rtol, opts.atol, opts.equal_nan, opts.msg
    if opts.check_dtype and type(actual) is not type(expected):
        _fail(f"The values for attribute 'dtype' do not match: {type(actual).__name__} != "
              f"{type(expected).__name__}.", msg, path)
    if rtol is None:
        rtol, atol = (1e-7, 1e-7) if isinstance(expected, float) or isinstance(actual, float) else (0.0, 0.0)
    if actual == expected or (equal_nan and math.isnan(actual) and math.isnan(expected)):
        return
    diff = abs(actual - expected)
    if diff <= atol + rtol * abs(expected) and math.isfinite(diff):
        return
    kind = "close" if rtol or atol else "equal"
    relative = diff / abs(expected) if expected else math.inf
    _fail(f"Scalars are not {kind}!\n\nExpected {expected} but got {actual}.\n"
          f"Absolute difference: {diff}{f' (up to {atol} allowed)' if kind == 'close' else ''}\n"
          f"Relative difference: {relative}{f' (up to {rtol} allowed)' if kind == 'close' else ''}", msg, path)


def _compare_tensors(actual, expected, opts, path):
    msg = opts.msg
    if not opts.allow_subclasses and type(actual) is not type(expected):
        _fail(f"The types of the inputs do not match: {type(actual)} != {type(expected)}.", msg, path)
    if tuple(actual.shape) != tuple(expected.shape):
        _fail(f"The values for attribute 'shape' do not match: {actual.shape} != {expected.shape}.", msg, path)
    if opts.check_device and actual.device != expected.device:
        _fail(f"The values for attribute 'device' do not match: {actual.device} != {expected.device}.", msg, path)
    if opts.check_dtype and actual.dtype != expected.dtype:
        _fail(f"The values for attribute 'dtype' do not match: {actual.dtype} != {expected.dtype}.", msg, path)
    if opts.check_stride and actual.stride() != expected.stride():
        _fail(f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.",
              msg, path)
    rtol, atol = _tolerances(expected.dtype, opts.rtol, opts.atol)
    equal_nan = opts.equal_nan
    a = actual.detach().cpu().numpy().astype(np.float64)
    e = expected.detach().cpu().numpy().astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
        ok = (a == e) | (diff <= atol + rtol * np.abs(e))
        if equal_nan:
            ok |= np.isnan(a) & np.isnan(e)
    ok &= ~((np.isinf(a) | np.isinf(e)) & (a != e))
    if ok.all():
        return
    bad = ~ok
    n_bad, total = int(bad.sum()), bad.size
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = diff / np.abs(e)
    close = bool(rtol or atol)

    def worst(values):
        """The largest of `values` over the mismatches (nan ranks highest, as in PyTorch) and its index."""
        ranked = np.where(bad, np.nan_to_num(values, nan=np.inf, posinf=np.finfo(np.float64).max), -np.inf)
        flat = int(np.argmax(ranked))
        index = np.unravel_index(flat, bad.shape) if bad.shape else ()
        return values.reshape(-1)[flat], tuple(int(i) for i in index)

    abs_value, abs_index = worst(diff)
    rel_value, rel_index = worst(relative)
    fmt = (lambda v: int(v)) if not actual.dtype.is_floating_point and math.isfinite(abs_value) else float
    _fail(f"Tensor-likes are not {'close' if close else 'equal'}!\n\n"
          f"Mismatched elements: {n_bad} / {total} ({100 * n_bad / total:.1f}%)\n"
          f"Greatest absolute difference: {fmt(abs_value)} at index {abs_index}"
          f"{f' (up to {atol} allowed)' if close else ''}\n"
          f"Greatest relative difference: {float(rel_value)} at index {rel_index}"
          f"{f' (up to {rtol} allowed)' if close else ''}", msg, path)


def _as_tensor(value):
    if isinstance(value, np.ndarray):
        return _C.from_numpy(np.ascontiguousarray(value))
    return value


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raises AssertionError (with PyTorch's message) unless actual and expected are close; see the module
    doc. Every tensor is strided, so check_layout always holds."""
    opts = _Options(rtol, atol, equal_nan, check_device, check_dtype, check_stride, allow_subclasses, msg)
    _check_pair(actual, expected, (), opts)


def _check_pair(actual, expected, path, opts):
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return _compare_tensors(actual, expected, opts, path)
    numbers = (int, float)
    if isinstance(actual, numbers) and isinstance(expected, numbers):
        _tolerances(None, opts.rtol, opts.atol)
        return _compare_scalars(actual, expected, opts, path)
    strings = (str, bytes)
    if isinstance(actual, collections.abc.Mapping) and isinstance(expected, collections.abc.Mapping):
        if set(actual) != set(expected):
            _fail(f"The keys of the mappings do not match:\n{sorted(map(repr, actual))} != "
                  f"{sorted(map(repr, expected))}", opts.msg, path)
        for key in expected:
            _check_pair(actual[key], expected[key], path + (key,), opts)
        return
    if (isinstance(actual, collections.abc.Sequence) and isinstance(expected, collections.abc.Sequence)
            and not isinstance(actual, strings) and not isinstance(expected, strings)):
        if len(actual) != len(expected):
            _fail(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", opts.msg, path)
        for i, (a, e) in enumerate(zip(actual, expected)):
            _check_pair(a, e, path + (i,), opts)
        return
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")
