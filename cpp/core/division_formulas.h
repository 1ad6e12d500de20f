// PyTorch's integer and floating division formulas, shared by the CPU and GPU kernels so both
// devices round alike: Python's floor division and modulo on int64 (the result takes the
// divisor's sign), integer powers, and floor_divide/remainder of floats given m = fmod(a, b)
// (cpu/float_division.h computes fmod on the CPU, CUDA's fmod on the GPU).
#pragma once

#include <cmath>
#include <cstdint>

#include "core/formula.h"

namespace cr {

CR_FORMULA int64_t floor_div(int64_t a, int64_t b) {
  if (b == 0) return 0;  // not reached on the CPU, which raises first
  if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));  // INT64_MIN / -1 would trap
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

CR_FORMULA int64_t py_mod(int64_t a, int64_t b) {
  if (b == 0 || b == -1) return 0;
  const int64_t r = a % b;
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

// PyTorch's integer semantics: to a negative power only 1 and -1 survive.
CR_FORMULA int64_t int_pow(int64_t base, int64_t exp) {
  if (exp < 0) return base == 1 ? 1 : (base == -1 ? ((exp & 1) ? -1 : 1) : 0);
  int64_t result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}

// PyTorch's remainder (Python's %), given m = fmod(a, b).
template <typename T>
CR_FORMULA T remainder_from_fmod(T m, T b) {
  return (m != 0 && (b < 0) != (m < 0)) ? m + b : m;
}

// PyTorch's floor_divide, given m = fmod(a, b): floor of the exact quotient, IEEE a / b for b = 0,
// NaN for an infinite a (inf - fmod(inf, b) is NaN), the sign of a / b on a zero result.
template <typename T>
CR_FORMULA T floor_divide_from_fmod(T a, T b, T m) {
  const T quotient = a / b;
  const T exact_multiple = std::isinf(quotient) && !std::isinf(a) ? a : a - m;
  T div = exact_multiple / b;
  div = (m != 0 && (b < 0) != (m < 0)) ? div - T(1) : div;
  T floored = std::floor(div);
  floored = div - floored > T(0.5) ? floored + T(1) : floored;
  floored = div == 0 ? std::copysign(T(0), quotient) : floored;
  return b == 0 ? quotient : floored;
}

}  // namespace cr
