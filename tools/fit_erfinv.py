"""Fits the two polynomials behind float32 erfinv (cpp/core/special_formulas.h) and prints them as C++.

erfinv(y) = y * p(w), with w = -log(1 - y^2), in two pieces:
  w <= 5:  p is a polynomial in t = (w - 2.5) / 2.5,
  w > 5:   p is a polynomial in t = (sqrt(w) - 3.1) / 0.9, sqrt(w) in [2.2, 4] (float32's largest
           |y| below 1, 1 - 2^-24, has w = 15.94, sqrt(w) = 3.99).
Each is a least-squares Chebyshev fit of degree 12 at 4,000 Chebyshev nodes to scipy's double
erfinv, turned into monomial coefficients of t for Horner's rule. The printed relative errors
(checked at 200,001 points) stay near 1e-10, far below float32's half ulp (3e-8), so evaluating in
double and rounding once gives the correctly rounded float nearly always.

Run: python3 tools/fit_erfinv.py (needs numpy and scipy).
"""
import numpy as np
import scipy.special
from numpy.polynomial import chebyshev

DEGREE = 12
SPLIT = 5.0
ROOTS = (2.2, 4.0)


def erfinv_over_y(w):
    """erfinv(y) / y as a function of w = -log(1 - y^2); its limit sqrt(pi) / 2 at w = 0."""
    y = np.sqrt(-np.expm1(-w))
    out = np.full_like(w, np.sqrt(np.pi) / 2)
    far = y > 1e-6
    out[far] = scipy.special.erfinv(y[far]) / y[far]
    return out


def fit(low, high, to_w):
    """Monomial coefficients (highest first) of p(t), t in [-1, 1] spanning [low, high], and the
    largest relative error."""
    nodes = np.cos(np.pi * (np.arange(4000) + 0.5) / 4000)
    middle, half = (low + high) / 2, (high - low) / 2
    series = chebyshev.chebfit(nodes, erfinv_over_y(to_w(middle + half * nodes)), DEGREE)
    monomial = chebyshev.cheb2poly(series)[::-1]
    check = np.linspace(-1, 1, 200001)
    error = np.abs(np.polyval(monomial, check) / erfinv_over_y(to_w(middle + half * check)) - 1).max()
    return middle, half, monomial, error


def print_piece(name, low, high, to_w):
    middle, half, monomial, error = fit(low, high, to_w)
    print(f"// {name}: t = (v - {middle:g}) / {half:g}; largest relative error {error:.1e}")
    print("{" + ", ".join(repr(float(c)) for c in monomial) + "}")


if __name__ == "__main__":
    print_piece("w <= 5, v = w", 0.0, SPLIT, lambda v: v)
    print_piece("w > 5, v = sqrt(w)", *ROOTS, lambda v: v * v)
