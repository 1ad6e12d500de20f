// Branch-free float32 exp, log, expm1, log1p, tanh, sigmoid and erf that the compiler vectorizes inside
// elementwise loops (libm's scalar calls do not vectorize), and the CPU's math policy over them. Cephes-style range reduction and polynomials: exp
// and log are within 2 ulp of the exact result over the whole range, including inf, nan, zeros and
// subnormals; tanh within 6 ulp (tests/cpp/test_vec_math.cpp checks every 997th float).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/formula.h"

// Always inlined (also the lambdas that call them: CR_ALWAYS_INLINE), so that the elementwise loops
// vectorize; GCC's size heuristics would otherwise call them out of line, one element at a time (a
// float32 gelu(approximate="tanh") backward of 1M elements took 11 ms, 5x PyTorch's).
#define CR_ALWAYS_INLINE __attribute__((always_inline))

namespace cr::cpu::vec {

CR_ALWAYS_INLINE inline float bits_to_float(int32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

CR_ALWAYS_INLINE inline int32_t float_to_bits(float f) {
  int32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

CR_ALWAYS_INLINE inline float pow2i(int32_t n) { return bits_to_float((n + 127) << 23); }  // 2^n for n in [-126, 127]

// e^x. Overflow gives inf, deep underflow 0; subnormal results come out exact to rounding.
CR_ALWAYS_INLINE inline float exp(float x) {
  const float hi = 88.72283935546875f, lo = -103.97208f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  xc = x == x ? xc : 0.0f;  // NaN returns below; 0 keeps the int conversion of n defined (UBSan)
  float n = std::floor(xc * 1.44269504088896341f + 0.5f);
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;  // x - n ln2, in two parts
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = static_cast<int32_t>(n);
  int32_t n1 = ni / 2;  // split the scale so both factors stay normal down to 2^-150
  float y = p * pow2i(n1) * pow2i(ni - n1);
  y = x > hi ? std::numeric_limits<float>::infinity() : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

// Natural log. log(0) = -inf, log(x < 0) = nan, log(inf) = inf, subnormals handled.
CR_ALWAYS_INLINE inline float log(float x) {
  const bool sub = x < 1.17549435e-38f;
  float xs = sub ? x * 8388608.0f : x;  // scale subnormals by 2^23
  int32_t b = float_to_bits(xs);
  int32_t e = ((b >> 23) & 0xff) - 126 - (sub ? 23 : 0);
  float m = bits_to_float((b & 0x007fffff) | 0x3f000000);  // mantissa in [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e -= small ? 1 : 0;
  m = small ? m + m - 1.0f : m - 1.0f;
  float z = m * m;
  float p = 7.0376836292e-2f;
  p = p * m - 1.1514610310e-1f;
  p = p * m + 1.1676998740e-1f;
  p = p * m - 1.2420140846e-1f;
  p = p * m + 1.4249322787e-1f;
  p = p * m - 1.6668057665e-1f;
  p = p * m + 2.0000714765e-1f;
  p = p * m - 2.4999993993e-1f;
  p = p * m + 3.3333331174e-1f;
  float fe = static_cast<float>(e);
  float y = m * z * p - 2.12194440e-4f * fe - 0.5f * z + m;
  y = y + 0.693359375f * fe;
  y = x == 0.0f ? -std::numeric_limits<float>::infinity() : y;
  y = x < 0.0f ? std::numeric_limits<float>::quiet_NaN() : y;
  y = x == std::numeric_limits<float>::infinity() ? x : y;
  return x != x ? x : y;
}

// A 13/6 rational fit on [-7.9, 7.9] (Eigen's), saturating beyond; within 6 ulp (the worst case is
// next to the saturation point, an absolute error below 3e-7).
CR_ALWAYS_INLINE inline float tanh(float x) {
  const float c = 7.90531110763549805f;
  float xc = x > c ? c : (x < -c ? -c : x);
  float x2 = xc * xc;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 - 8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float r = p * xc / q;
  r = std::fabs(x) < 0.0004f ? x : r;  // tanh(x) = x to float precision; keeps -0 and subnormals
  return x != x ? x : r;
}

// 1 / (1 + e^-x), written with z = e^-|x| so that tiny results keep their precision.
CR_ALWAYS_INLINE inline float sigmoid(float x) {
  float z = exp(-std::fabs(x));
  float s = 1.0f / (1.0f + z);
  return x >= 0.0f ? s : z * s;  // nan: x >= 0 is false and z * s is nan
}

// e^x - 1 by Kahan's method from exp and log: with u = e^x rounded, (u - 1) * x / log(u) cancels
// u's rounding error, so tiny x keeps its precision (within 3 ulp over the whole range).
CR_ALWAYS_INLINE inline float expm1(float x) {
  const float u = exp(x);
  const float um1 = u - 1.0f;
  const float log_u = log(u);
  float y = um1 * (x / log_u);
  y = u == 1.0f ? x : y;               // |x| below half an ulp of 1 (keeps -0 and subnormals)
  y = um1 == -1.0f ? -1.0f : y;        // e^x below half an ulp of 1
  y = log_u == u ? u : y;              // u = inf
  return x != x ? x : y;
}

// log(1 + x) by Kahan's method: with u = 1 + x rounded, log(u) * x / (u - 1) cancels u's rounding
// error (within 3 ulp over the whole range).
CR_ALWAYS_INLINE inline float log1p(float x) {
  const float u = 1.0f + x;
  const float log_u = log(u);
  float y = log_u * (x / (u - 1.0f));
  y = u == 1.0f ? x : y;                                        // tiny x (keeps -0 and subnormals)
  y = u == std::numeric_limits<float>::infinity() ? log_u : y;  // x = inf
  return x != x ? x : y;
}

// float64 keeps libm, so kernels can call vec::exp(x) for either floating type.
inline double exp(double x) { return std::exp(x); }
inline double log(double x) { return std::log(x); }
inline double tanh(double x) { return std::tanh(x); }
inline double expm1(double x) { return std::expm1(x); }
inline double log1p(double x) { return std::log1p(x); }
inline double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

// float32 erf within about an ulp, branch-free so that the erf op's and gelu's loops vectorize:
// x p(2 x^2 - 1) for |x| <= 1, else 1 - e^(-x^2) q((|x| - 2.5) / 1.5) with |x| clamped to 4, where
// float32's erf is 1 (p and q fitted to erf(x) / x and erfcx(x), relative errors 1.4e-9 and 7.6e-9:
// tools/fit_error_function.py): the erf op's, where libm's erff took 12 ns a value, scalar. float64
// keeps libm's erf.
CR_ALWAYS_INLINE inline float erf(float x) {
  constexpr float kNear[] = {1.2316402262513293e-06f, -1.7669080989435315e-05f, 0.00021751198801212013f,
                             -0.002285419497638941f,  0.019852498546242714f,   -0.1405360996723175f,
                             0.9654687643051147f};
  constexpr float kFar[] = {1.3819088962918613e-05f, -3.69287226931192e-05f,  5.494724973686971e-05f,
                            -0.00014394859317690134f, 0.00041450810385867953f, -0.0010171177564188838f,
                            0.0024017016403377056f,  -0.0055673327296972275f, 0.012489703483879566f,
                            -0.027005724608898163f,  0.05611047148704529f,    -0.11152100563049316f,
                            0.21080636978149414f};
  const float a = std::fabs(x);
  const float near = x * horner(kNear, 2.0f * x * x - 1.0f);
  const float c = a < 4.0f ? a : 4.0f;
  const float far = std::copysign(1.0f - exp(-c * c) * horner(kFar, (c - 2.5f) * (1.0f / 1.5f)), x);
  const float r = a <= 1.0f ? near : far;
  return x != x ? x : r;
}
inline double erf(double x) { return std::erf(x); }

// The cheaper erf gelu uses, as PyTorch's vectorized gelu does (Abramowitz & Stegun 7.1.26, absolute
// error below 1.5e-7): a third faster than erf above, and PyTorch's gelu values more often.
CR_ALWAYS_INLINE inline float erf_abramowitz_stegun(float x) {
  const float t = 1.0f / (0.3275911f * std::fabs(x) + 1.0f);
  const float r = (((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f;
  return std::copysign(1.0f - r * t * exp(-x * x), x);
}
inline double erf_abramowitz_stegun(double x) { return std::erf(x); }

}  // namespace cr::cpu::vec

namespace cr::cpu {

// The math policy of the formulas shared with the GPU (core/activation_formulas.h,
// core/rnn_cell_formulas.h) on the CPU: the vectorizable functions above, libm for the rest.
struct VecMath {
  template <typename T>
  CR_ALWAYS_INLINE static T exp(T x) { return vec::exp(x); }
  template <typename T>
  CR_ALWAYS_INLINE static T expm1(T x) { return vec::expm1(x); }
  template <typename T>
  CR_ALWAYS_INLINE static T log1p(T x) { return vec::log1p(x); }
  template <typename T>
  CR_ALWAYS_INLINE static T tanh(T x) { return vec::tanh(x); }
  template <typename T>
  CR_ALWAYS_INLINE static T erf(T x) { return vec::erf_abramowitz_stegun(x); }  // gelu's
  template <typename T>
  CR_ALWAYS_INLINE static T fabs(T x) { return std::fabs(x); }
  template <typename T>
  CR_ALWAYS_INLINE static T sigmoid(T x) { return vec::sigmoid(x); }
};

}  // namespace cr::cpu
