// A Python number on its way into an op: bool, int or float, kept exact until the op knows the
// dtype it computes in. Scalars take part in type promotion only when their category (bool < int <
// float) is higher than the tensor's, as in PyTorch.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/error.h"

#include "core/default_dtype.h"
#include "core/dtype.h"

namespace cr {

struct Scalar {
  enum class Kind : uint8_t { Bool, Int, Float } kind = Kind::Float;
  double f = 0;
  int64_t i = 0;

  Scalar() = default;
  Scalar(double v) : kind(Kind::Float), f(v) {}
  Scalar(int64_t v) : kind(Kind::Int), i(v) {}
  Scalar(int v) : kind(Kind::Int), i(v) {}
  Scalar(bool v) : kind(Kind::Bool), i(v) {}

  // The dtype a tensor made from this scalar alone gets: bool, int64, or the default floating
  // dtype (float32 unless chainrule.set_default_dtype changed it).
  DType default_dtype() const {
    return kind == Kind::Bool ? DType::Bool : kind == Kind::Int ? DType::Int64 : default_float_dtype();
  }
  bool is_floating() const { return kind == Kind::Float; }
  // The value as a T, for writing into a tensor of that dtype (fill_, full, setitem, masked_fill_).
  // A float that an integer dtype cannot hold (NaN, inf, out of range) is a RuntimeError naming
  // `op`, as in PyTorch; a C cast would give INT64_MIN on x86 (undefined behaviour in C++).
  template <typename T>
  T to(const char* op = "scalar") const {
    if (kind != Kind::Float) return static_cast<T>(i);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // [lowest, max + 1) as doubles: both bounds are powers of two, so exact.
      constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
      constexpr double hi = std::is_signed_v<T> ? -lo : 2.0 * (static_cast<double>(std::numeric_limits<T>::max() / 2) + 1.0);
      CR_CHECK(std::isfinite(f) && f >= lo && f < hi, RuntimeError, op,
               ": value cannot be converted to type ", std::is_signed_v<T> ? "int" : "uint",
               sizeof(T) * 8, "_t without overflow (got ", f, ")");
    }
    return static_cast<T>(f);
  }
  double as_double() const { return kind == Kind::Float ? f : static_cast<double>(i); }
};

// The dtype `t op s` computes in: t unless the scalar's category is higher.
inline DType result_type(DType t, const Scalar& s) {
  return dtype_category(s.default_dtype()) > dtype_category(t) ? s.default_dtype() : t;
}

}  // namespace cr
