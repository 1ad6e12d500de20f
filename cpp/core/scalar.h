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

// The C type PyTorch names in its overflow messages: "int" for int32, "int16_t", "uint8_t", ...
template <typename T>
constexpr const char* c_type_name() {
  if constexpr (std::is_same_v<T, int32_t>) return "int";
  else if constexpr (std::is_same_v<T, int16_t>) return "int16_t";
  else if constexpr (std::is_same_v<T, int8_t>) return "int8_t";
  else if constexpr (std::is_same_v<T, uint8_t>) return "uint8_t";
  else if constexpr (std::is_same_v<T, int64_t>) return "int64_t";
  else return "float";
}

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
  // The value as a T, for writing into a tensor of that dtype (fill_, full, setitem, masked_fill_,
  // where, clamp bounds). A float that the dtype cannot hold is a RuntimeError naming `op`, as in
  // PyTorch: NaN, inf or out of range for an integer dtype (a C cast would give INT64_MIN on x86,
  // undefined behaviour in C++), and a finite value beyond float32's range for float32 (it would
  // become inf). Infinities and NaN themselves go into float dtypes unchanged. An int goes into an
  // integer dtype narrower than int64 only where PyTorch's check lets it: the type's range, and for
  // uint8 -255..255 (a negative one wraps, so fill_(-1) gives 255).
  template <typename T>
  T to(const char* op = "scalar") const {
    constexpr bool narrow_integer = std::is_integral_v<T> && sizeof(T) < 8 && !std::is_same_v<T, bool>;
    if constexpr (narrow_integer) {
      if (kind == Kind::Int) {
        constexpr int64_t hi = std::numeric_limits<T>::max();
        constexpr int64_t lo = std::is_signed_v<T> ? int64_t{std::numeric_limits<T>::lowest()} : -hi;
        CR_CHECK(i >= lo && i <= hi, RuntimeError, op, ": value cannot be converted to type ", c_type_name<T>(),
                 " without overflow (got ", i, ")");
      }
    }
    if (kind != Kind::Float) return static_cast<T>(i);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      // int64: [lowest, max + 1) as doubles (both powers of two, so exact); narrower: [lowest, max].
      constexpr double lo = static_cast<double>(std::numeric_limits<T>::lowest());
      constexpr double max = static_cast<double>(std::numeric_limits<T>::max());
      constexpr double hi = narrow_integer ? max : -lo;
      CR_CHECK(std::isfinite(f) && f >= lo && (narrow_integer ? f <= hi : f < hi), RuntimeError, op,
               ": value cannot be converted to type ", c_type_name<T>(), " without overflow (got ", f, ")");
    }
    if constexpr (std::is_same_v<T, float>) {
      CR_CHECK(!std::isfinite(f) || std::fabs(f) <= std::numeric_limits<float>::max(), RuntimeError, op,
               ": value cannot be converted to type float without overflow (got ", f, ")");
    }
    return static_cast<T>(f);
  }
  // The value as a T for arithmetic with a tensor of that dtype (x + 1e300): rounded as PyTorch
  // computes it, so a float beyond float32's range is inf there, not an error. Arithmetic never
  // converts a float to an integer dtype (the result promotes to float).
  template <typename T>
  T as_operand() const {
    if (kind != Kind::Float) return static_cast<T>(i);
    if constexpr (std::is_same_v<T, float>) {
      // From FLT_MAX + half an ulp on, round-to-nearest gives inf; a C cast there is undefined.
      constexpr float inf = std::numeric_limits<float>::infinity();
      if (std::fabs(f) >= 0x1.ffffffp+127) return f > 0 ? inf : -inf;
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
