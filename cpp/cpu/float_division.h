// C's fmod, PyTorch's remainder and PyTorch's floor_divide for float32/float64, bit for bit
// (NaN-ness, infinities and signed zeros included), in forms the compiler vectorizes.
//
// fmod(a, b) = a - trunc(a / b) * b exactly. With q = trunc(a / b) rounded, a - q * b is exact in one
// fma while |a / b| < 2^(mantissa bits - 1): q is then the true quotient or one past it (never short,
// rounding being monotonic), and the remainder, or the remainder minus b, is representable. Outside
// that range (a huge quotient, rare) fmod_is_fast() is false and callers use exact_fmod.
// floor_divide and remainder (core/division_formulas.h, shared with the GPU) then follow PyTorch's
// vectorized CPU kernels (div_floor_floating_vec),
// except where a / b overflows: there PyTorch's vectorized fmod gives NaN and these the exact result,
// as PyTorch's scalar loop and Python do.
#pragma once

#include <cmath>
#include <limits>
#include <type_traits>

#include "cpu/vec_math.h"  // CR_ALWAYS_INLINE

namespace cr::cpu {

template <typename T>
CR_ALWAYS_INLINE inline bool fmod_is_fast(T a, T b) {
  constexpr T kExactQuotient = T(1ll << (std::numeric_limits<T>::digits - 1));
  return std::fabs(a / b) < kExactQuotient || !std::isfinite(a) || !std::isfinite(b) || b == 0;
}

// fmod where fmod_is_fast(a, b); anything where it is not.
template <typename T>
CR_ALWAYS_INLINE inline T fast_fmod(T a, T b) {
  const T q = std::trunc(a / b);
  T r = std::fma(-q, b, a);
  r = (r != 0 && std::signbit(r) != std::signbit(a)) ? r + std::copysign(b, a) : r;  // q was one past
  r = std::copysign(r, a);                        // a zero remainder has a's sign
  return std::isinf(b) && std::isfinite(a) ? a : r;  // fma(-0, inf, a) would be NaN
}

// C's fmod for any a and b, also where fmod_is_fast(a, b) is false: a reduced modulo b * 2^e (a
// multiple of b) in steps of fast_fmod, each removing up to digits - 3 bits of the quotient (at
// most 6 steps for float32, done in double, and 41 for float64). Exact, unlike a - trunc(a / b) * b,
// and faster than libm's fmod, which works through the quotient's bits with x87 fprem.
template <typename T>
inline T exact_fmod(T a, T b) {
  if constexpr (std::is_same_v<T, float>) {  // in double: fewer, wider steps; the float result is exact
    return static_cast<float>(exact_fmod<double>(a, b));
  }
  if (!std::isfinite(a) || !std::isfinite(b) || b == 0) return fast_fmod(a, b);  // NaN, or a for an infinite b
  constexpr int kStepBits = std::numeric_limits<T>::digits - 3;
  const T divisor = std::fabs(b);
  T r = std::fabs(a);
  while (r >= divisor) {
    const int gap = std::ilogb(r) - std::ilogb(divisor);
    const T step = std::ldexp(divisor, gap > kStepBits ? gap - kStepBits : 0);  // r / step < 2^(digits - 2)
    r = fast_fmod(r, step);
    if (step == divisor) break;
  }
  return std::copysign(r, a);
}

}  // namespace cr::cpu
