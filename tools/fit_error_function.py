"""Fits the polynomials behind float32 erf (cpp/cpu/vec_math.h) and erfinv (cpp/core/special_formulas.h)
and prints them as C++ arrays, highest power first, with their largest relative errors.

Each is a least-squares Chebyshev fit at 4,000 Chebyshev nodes to SciPy's double functions, turned
into monomial coefficients of t in [-1, 1] for Horner's rule, and checked at 200,001 points.

erf(x) (evaluated in float32):
  |x| <= 1:    x * p(t), p fitted to erf(x) / x, t = 2 x^2 - 1 (degree 6: 1.4e-9);
  1 < |x| < 4: 1 - exp(-x^2) q(t), q fitted to erfcx(x) = erfc(x) exp(x^2), t = (|x| - 2.5) / 1.5
               (degree 12: 7.6e-9); from 3.92 on, float32's erf is 1.
erfinv(y) = y * p(w), w = -log(1 - y^2) (evaluated in double, rounded once to float32):
  w <= 5: p in t = (w - 2.5) / 2.5; w > 5: p in t = (sqrt(w) - 3.1) / 0.9, sqrt(w) in [2.2, 4]
  (float32's largest |y| below 1, 1 - 2^-24, has w = 15.94). Degree 12 each, near 1e-10.
Errors this far below float32's half ulp (3e-8) leave the rounding of the evaluation itself.

Run: python3 tools/fit_error_function.py (needs numpy and scipy).
"""
import numpy as np
import scipy.special
from numpy.polynomial import chebyshev


def fit(function, low, high, degree):
    """Monomial coefficients (highest first) of p(t), t in [-1, 1] spanning [low, high] of v, fitted
    to function(v), and the largest relative error."""
    nodes = np.cos(np.pi * (np.arange(4000) + 0.5) / 4000)
    middle, half = (low + high) / 2, (high - low) / 2
    monomial = chebyshev.cheb2poly(chebyshev.chebfit(nodes, function(middle + half * nodes), degree))[::-1]
    check = np.linspace(-1, 1, 200001)
    error = np.abs(np.polyval(monomial, check) / function(middle + half * check) - 1).max()
    return monomial, error


def erf_over_x(u):
    """erf(x) / x as a function of u = x^2; its limit 2 / sqrt(pi) at 0."""
    x = np.sqrt(u)
    out = np.full_like(u, 2 / np.sqrt(np.pi))
    far = x > 1e-6
    out[far] = scipy.special.erf(x[far]) / x[far]
    return out


def erfinv_over_y(w):
    """erfinv(y) / y as a function of w = -log(1 - y^2); its limit sqrt(pi) / 2 at w = 0."""
    y = np.sqrt(-np.expm1(-w))
    out = np.full_like(w, np.sqrt(np.pi) / 2)
    far = y > 1e-6
    out[far] = scipy.special.erfinv(y[far]) / y[far]
    return out


def print_fit(title, function, low, high, degree, as_float=False):
    monomial, error = fit(function, low, high, degree)
    text = (f"{float(np.float32(c))!r}f" if as_float else repr(float(c)) for c in monomial)
    print(f"// {title}: largest relative error {error:.1e}")
    print("{" + ", ".join(text) + "}")


if __name__ == "__main__":
    print_fit("erf, |x| <= 1, t = 2 x^2 - 1", erf_over_x, 0.0, 1.0, 6, as_float=True)
    print_fit("erf, 1 < |x| < 4, t = (|x| - 2.5) / 1.5", scipy.special.erfcx, 1.0, 4.0, 12, as_float=True)
    print_fit("erfinv, w <= 5, t = (w - 2.5) / 2.5", erfinv_over_y, 0.0, 5.0, 12)
    print_fit("erfinv, w > 5, t = (sqrt(w) - 3.1) / 0.9", lambda v: erfinv_over_y(v * v), 2.2, 4.0, 12)
