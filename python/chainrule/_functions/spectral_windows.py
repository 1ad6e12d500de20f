"""Window functions for spectral analysis: hann_window, hamming_window, blackman_window,
bartlett_window and kaiser_window, with PyTorch's signatures. periodic=True (the default, for use with an FFT) gives
the first window_length points of the symmetric window of window_length + 1 points."""
import math

from chainrule import _C
from chainrule._functions.bessel import i0


def _positions(op, window_length, periodic, dtype, device):
    """(k, N - 1): k = 0..window_length-1 as a float tensor and the symmetric window's last index."""
    if window_length < 0:
        raise RuntimeError(f"{op} requires non-negative window_length, got window_length={window_length}")
    dtype = _C._get_default_dtype() if dtype is None else dtype
    if dtype not in (_C.dtype.float32, _C.dtype.float64):
        raise RuntimeError(f"{op} expects floating point dtypes, got: {dtype}")
    k = _C.arange(window_length, dtype=_C.dtype.float64, device=device)
    return k, window_length if periodic else window_length - 1, dtype


def _window(op, window_length, periodic, dtype, device, requires_grad, shape):
    k, last, dtype = _positions(op, window_length, periodic, dtype, device)
    if window_length <= 1:
        values = _C.ones(window_length, dtype=_C.dtype.float64, device=device)
    else:
        values = shape(k, last)
    return values.to(dtype).requires_grad_(requires_grad)


def hann_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """0.5 - 0.5 cos(2 pi k / (N - 1))."""
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, last: 0.5 - 0.5 * (k * (2 * math.pi / last)).cos())


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None, device=None,
                   requires_grad=False):
    """alpha - beta cos(2 pi k / (N - 1))."""
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, last: alpha - beta * (k * (2 * math.pi / last)).cos())


def blackman_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """0.42 - 0.5 cos(2 pi k / (N - 1)) + 0.08 cos(4 pi k / (N - 1))."""
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, last: 0.42 - 0.5 * (k * (2 * math.pi / last)).cos()
                   + 0.08 * (k * (4 * math.pi / last)).cos())


def bartlett_window(window_length, periodic=True, *, dtype=None, device=None, requires_grad=False):
    """The triangle 1 - |2k / (N - 1) - 1|."""
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, last: 1 - (k * (2.0 / last) - 1).abs())


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, device=None, requires_grad=False):
    """I0(beta sqrt(1 - (2k / (N - 1) - 1)^2)) / I0(beta)."""
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad,
                   lambda k, last: i0(beta * (1 - (k * (2.0 / last) - 1).square()).clamp(min=0).sqrt())
                   / i0(_C.full((), beta, dtype=_C.dtype.float64, device=k.device)))
