// sign and abs of one value, for the CPU's and the GPU's elementwise kernels alike. Written so that
// an unsigned type (uint8) makes no comparison with zero that is always false.
#pragma once

#include <type_traits>

#include "core/formula.h"

namespace cr {

template <typename T>
CR_FORMULA bool is_below_zero(T x) {
  if constexpr (std::is_unsigned_v<T>) return false;
  else return x < T(0);
}

// 1, -1 or 0; 0 for 0, -0 and NaN, as in PyTorch.
template <typename T>
CR_FORMULA T sign_of(T x) {
  return x > T(0) ? T(1) : (is_below_zero(x) ? T(-1) : T(0));
}

// |x|; the lowest signed integer stays itself (two's complement wraps), as in PyTorch.
template <typename T>
CR_FORMULA T absolute(T x) {
  return is_below_zero(x) ? T(-x) : x;
}

}  // namespace cr
