// Special functions as both devices compute them (the CPU's loops and the GPU's kernels), in
// PyTorch's formulas (ATen's Math.h, from Cephes): digamma, trigamma, the Hurwitz zeta function
// behind polygamma, erfinv (float64: a rational first guess polished by two Newton steps; float32:
// two fitted polynomials evaluated in double, see erfinv(float)) and erfc. lgamma is the C library's
// on either device.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/formula.h"

namespace cr::special_math {

constexpr double kPi = 3.14159265358979323846;

// psi(x) = d/dx lgamma(x): -inf/+inf at +0/-0, NaN at negative integers; reflection below 0,
// recurrence up to 10, then the asymptotic series.
template <typename T>
CR_FORMULA T digamma(T x) {
  if (x == T(0)) return std::copysign(T(INFINITY), -x);
  T result = T(0);
  if (x < T(0)) {
    if (x == std::trunc(x)) return T(NAN);
    // psi(x) = psi(1 - x) - pi / tan(pi x), through x's fraction and in double, as ATen
    const double fraction = static_cast<double>(x - std::trunc(x));
    result = static_cast<T>(-kPi / std::tan(kPi * fraction));
    x = T(1) - x;
  }
  while (x < T(10)) {
    result -= T(1) / x;
    x += T(1);
  }
  if (x == T(10)) return result + T(2.25175258906672110764);
  T series = T(0);
  if (x < T(1.0e17)) {
    const T z = T(1) / (x * x);
    series = z * (((((( T(8.33333333333333333333E-2) * z + T(-2.10927960927960927961E-2)) * z +
                       T(7.57575757575757575758E-3)) * z + T(-4.16666666666666666667E-3)) * z +
                     T(3.96825396825396825397E-3)) * z + T(-8.33333333333333333333E-3)) * z +
                  T(8.33333333333333333333E-2));
  }
  return result + std::log(x) - T(0.5) / x - series;
}

// psi'(x), by reflection below 1/2, six steps of recurrence, then the asymptotic series.
template <typename T>
CR_FORMULA T trigamma(T x) {
  T sign = T(1), result = T(0);
  if (x < T(0.5)) {
    sign = T(-1);
    const T sin_pi_x = std::sin(T(kPi) * x);
    result -= T(kPi * kPi) / (sin_pi_x * sin_pi_x);
    x = T(1) - x;
  }
  for (int i = 0; i < 6; ++i) {
    result += T(1) / (x * x);
    x += T(1);
  }
  const T ixx = T(1) / (x * x);
  result += (T(1) + T(1) / (T(2) * x) + ixx * (T(1) / T(6) - ixx * (T(1) / T(30) - ixx * (T(1) / T(42))))) / x;
  return sign * result;
}

// The Hurwitz zeta function zeta(s, q) = sum_k (k + q)^-s (Cephes, as ATen).
template <typename T>
CR_FORMULA T zeta(T s, T q) {
  const T machep = T(1.11022302462515654042E-16);
  const T coefficients[] = {T(12.0), T(-720.0), T(30240.0), T(-1209600.0), T(47900160.0),
                            T(-1.8924375803183791606e9), T(7.47242496e10), T(-2.950130727918164224e12),
                            T(1.1646782814350067249e14), T(-4.5979787224074726105e15),
                            T(1.8152105401943546773e17), T(-7.1661652561756670113e18)};
  if (s == T(1)) return T(INFINITY);
  if (s < T(1)) return T(NAN);
  if (q <= T(0)) {
    if (q == std::floor(q)) return T(INFINITY);
    if (s != std::floor(s)) return T(NAN);
  }
  T sum = std::pow(q, -s), a = q, b = T(0);
  int i = 0;
  while (i < 9 || a <= T(9)) {
    i += 1;
    a += T(1);
    b = std::pow(a, -s);
    sum += b;
    if (-machep * sum < b && b < machep * sum) return sum;
  }
  const T w = a;
  sum += b * w / (s - T(1));
  sum -= T(0.5) * b;
  a = T(1);
  T k = T(0);
  for (int j = 0; j < 12; ++j) {
    a *= s + k;
    b /= w;
    T t = a * b / coefficients[j];
    sum += t;
    t = t / sum;
    if ((t < T(0) ? -t : t) < machep) return sum;
    k += T(1);
    a *= s + k;
    b /= w;
    k += T(1);
  }
  return sum;
}

// psi^(n)(x): digamma for n = 0, trigamma for n = 1, else (-1)^(n+1) n! zeta(n + 1, x).
template <typename T>
CR_FORMULA T polygamma(int64_t n, T x) {
  if (n == 0) return digamma(x);
  if (n == 1) return trigamma(x);
  const T n_factorial = std::exp(std::lgamma(T(n) + T(1)));
  return ((n % 2) ? T(1) : T(-1)) * n_factorial * zeta(T(n + 1), x);
}

// The inverse of erf on [-1, 1]: NaN outside, +-inf at +-1.
template <typename T>
CR_FORMULA T erfinv(T y) {
  const T y_abs = y < T(0) ? -y : y;
  if (y_abs > T(1)) return T(NAN);
  if (y_abs == T(1)) return std::copysign(T(INFINITY), y);
  T x;
  if (y_abs <= T(0.7)) {
    const T z = y * y;
    const T num = ((T(-0.140543331) * z + T(0.914624893)) * z + T(-1.645349621)) * z + T(0.886226899);
    const T dem = (((T(0.012229801) * z + T(-0.329097515)) * z + T(1.442710462)) * z + T(-2.118377725)) * z + T(1);
    x = y * num / dem;
  } else {
    const T z = std::sqrt(-std::log((T(1) - y_abs) / T(2)));
    const T num = ((T(1.641345311) * z + T(3.429567803)) * z + T(-1.624906493)) * z + T(-1.970840454);
    const T dem = (T(1.637067800) * z + T(3.543889200)) * z + T(1);
    x = std::copysign(num, y) / dem;
  }
  const T two_over_sqrt_pi = T(1.12837916709551257390);
  x = x - (std::erf(x) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  x = x - (std::erf(x) - y) / (two_over_sqrt_pi * std::exp(-x * x));
  return x;
}

// erfinv of a float32 (float16 and bfloat16 go through it): y * p(w), w = -log(1 - y^2), with p one
// of two degree-12 polynomials fitted to erfinv(y) / y (tools/fit_error_function.py prints them and their
// relative errors, near 1e-10), evaluated in double and rounded once: the correctly rounded float in
// all but rare near-halfway cases, as PyTorch's. (1 - y)(1 + y) is exact in double for a float y, so
// w keeps its precision up to |y| = 1 - 2^-24. The Newton form above (float64's) took 100 ns a value and
// lost up to 87 ulp near +-1 to the cancellation in erf(x) - y.
CR_FORMULA float erfinv(float y) {
  const float y_abs = y < 0.0f ? -y : y;
  if (!(y_abs < 1.0f)) return y_abs == 1.0f ? std::copysign(float(INFINITY), y) : float(NAN);
  constexpr double kSmallW[] = {-1.2236983319292424e-06, 2.931136962608529e-06, 7.820672417403248e-06,
                                -4.140043597422065e-05,  2.102745352982672e-05, 0.00029213577955815735,
                                -0.0008343272661766727,  -0.0004878764748809606, 0.008525432590314956,
                                -0.019573564270659517,   -0.02610823774143855,  0.6166006919867014,
                                1.5014093511307292};  // t = (w - 2.5) / 2.5, w <= 5
  constexpr double kLargeW[] = {3.57556866022417e-06,   -4.454171915388528e-06, -1.99529246582977e-05,
                                6.279761948425022e-05,  -5.294620478204437e-05, -0.00014954332262838178,
                                0.0006998000893214042,  -0.001601447916089087,  0.0027040174258092077,
                                -0.004152903477883543,  0.006042675483923624,   0.9030205072872123,
                                2.9332316721856517};  // t = (sqrt(w) - 3.1) / 0.9, w > 5
  const double v = y;
  const double w = -std::log((1.0 - v) * (1.0 + v));
  const double p = w <= 5.0 ? horner(kSmallW, (w - 2.5) / 2.5) : horner(kLargeW, (std::sqrt(w) - 3.1) / 0.9);
  return static_cast<float>(p * v);
}

// erfc in double, rounded once to T: float's erfcf is an ulp off in about a fifth of its values.
template <typename T>
CR_FORMULA T erfc(T x) {
  return static_cast<T>(std::erfc(static_cast<double>(x)));
}

}  // namespace cr::special_math
