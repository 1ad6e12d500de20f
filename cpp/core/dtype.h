// Element types: float32 (the default), float64, float16, bfloat16, int64, int32, int16, uint8, int8
// and bool; their promotion rules (PyTorch's) and the dispatch macros that instantiate a kernel for
// each scalar type they support. float16 and bfloat16 are storage types (core/reduced_float.h):
// only the copy kernels read them (CR_DISPATCH_STORAGE); ops compute them in float32.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/reduced_float.h"

namespace cr {

// New dtypes go at the end, so the existing values keep their meaning.
enum class DType : uint8_t {
  Bool = 0, Int64 = 1, Float32 = 2, Float64 = 3, UInt8 = 4, Int8 = 5, Int32 = 6, Int16 = 7, Float16 = 8, BFloat16 = 9
};
constexpr int kNumDTypes = 10;

const char* dtype_name(DType t);  // "float32", ...
size_t itemsize(DType t);
// float16 and bfloat16: stored in 2 bytes, computed in float32 (ops/float32_staging.h).
inline bool is_reduced_float(DType t) { return t == DType::Float16 || t == DType::BFloat16; }
inline bool is_floating(DType t) { return t == DType::Float32 || t == DType::Float64 || is_reduced_float(t); }
// The dtype the kernels compute t's values in: float32 for the 16-bit floats, else t.
inline DType computed_as(DType t) { return is_reduced_float(t) ? DType::Float32 : t; }
// The dtype whose kernels move t's values unchanged (index, gather, sort's permutation): the 16-bit
// floats move as int16, the same two bytes.
inline DType moved_as(DType t) { return is_reduced_float(t) ? DType::Int16 : t; }
// The integers narrower than int64 (CR_DISPATCH_SMALL_INTEGER_CASES): int32, int16, uint8, int8.
inline bool is_small_integer(DType t) {
  return t == DType::Int32 || t == DType::Int16 || t == DType::UInt8 || t == DType::Int8;
}
inline bool is_integral(DType t) { return t == DType::Int64 || is_small_integer(t); }

// The smallest type both a and b convert to without losing their category (bool < int < float).
DType promote_types(DType a, DType b);

// Category of a value: 0 bool, 1 integer, 2 floating. Python scalars only take part in promotion
// when their category is higher than the tensor's, as in PyTorch.
inline int dtype_category(DType t) { return t == DType::Bool ? 0 : (is_integral(t) ? 1 : 2); }

// Whether an in-place op may write a value of type `from` into a tensor of type `to`.
inline bool can_cast(DType from, DType to) { return dtype_category(from) <= dtype_category(to); }

template <typename T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::Int8; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::Int32; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::Int16; };
template <> struct dtype_of<Half> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };

inline std::ostream& operator<<(std::ostream& os, DType t) { return os << dtype_name(t); }

}  // namespace cr

// CR_DISPATCH_ALL(dtype, "op", [&] { using scalar_t = ...; body });
// Each case defines scalar_t and runs the lambda body; an unsupported dtype is a TypeError.
#define CR_DISPATCH_CASE(enum_value, type, ...) \
  case ::cr::DType::enum_value: {               \
    using scalar_t = type;                      \
    return __VA_ARGS__();                       \
  }

#define CR_DISPATCH_FAIL(dtype, op, supported) \
  default:                                     \
    CR_FAIL(DTypeError, op, ": dtype ", ::cr::dtype_name(dtype), " is not supported (expected ", supported, ")")

// The case lists the dispatch macros share: each family of scalar types once.
#define CR_DISPATCH_FLOAT_CASES(...)               \
  CR_DISPATCH_CASE(Float32, float, __VA_ARGS__)    \
  CR_DISPATCH_CASE(Float64, double, __VA_ARGS__)
#define CR_DISPATCH_SMALL_INTEGER_CASES(...)       \
  CR_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)    \
  CR_DISPATCH_CASE(Int16, int16_t, __VA_ARGS__)    \
  CR_DISPATCH_CASE(UInt8, uint8_t, __VA_ARGS__)    \
  CR_DISPATCH_CASE(Int8, int8_t, __VA_ARGS__)

// X(type) for each integer type narrower than int64, for explicit template instantiations:
// CR_SMALL_INTEGER_TYPES(CR_FOO_INSTANTIATE).
#define CR_SMALL_INTEGER_TYPES(X) X(int32_t) X(int16_t) X(uint8_t) X(int8_t)

// A switch over `dtype` with the given cases, failing with the names of what it supports.
#define CR_DISPATCH_SWITCH(dtype, op, supported, cases) \
  [&] {                                                 \
    switch (dtype) {                                    \
      cases                                             \
      CR_DISPATCH_FAIL(dtype, op, supported);           \
    }                                                   \
  }()

#define CR_DISPATCH_FLOATING(dtype, op, ...) \
  CR_DISPATCH_SWITCH(dtype, op, "float32 or float64", CR_DISPATCH_FLOAT_CASES(__VA_ARGS__))

#define CR_DISPATCH_NUMERIC(dtype, op, ...)                                                     \
  CR_DISPATCH_SWITCH(dtype, op, "a float or integer dtype",                                     \
                     CR_DISPATCH_FLOAT_CASES(__VA_ARGS__) CR_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__) \
                         CR_DISPATCH_SMALL_INTEGER_CASES(__VA_ARGS__))

// The dtypes that sums and products come out in: floats stay, bool and integers widen to int64.
#define CR_DISPATCH_WIDE(dtype, op, ...)               \
  CR_DISPATCH_SWITCH(dtype, op, "float32, float64 or int64", \
                     CR_DISPATCH_FLOAT_CASES(__VA_ARGS__) CR_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__))

// Every dtype the kernels compute in (all but the 16-bit floats).
#define CR_DISPATCH_ALL_CASES(...)                                                                \
  CR_DISPATCH_FLOAT_CASES(__VA_ARGS__) CR_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)              \
      CR_DISPATCH_SMALL_INTEGER_CASES(__VA_ARGS__) CR_DISPATCH_CASE(Bool, bool, __VA_ARGS__)

#define CR_DISPATCH_ALL(dtype, op, ...) \
  CR_DISPATCH_SWITCH(dtype, op, "a chainrule dtype", CR_DISPATCH_ALL_CASES(__VA_ARGS__))

// The 16-bit floats as their storage types (cr::Half, cr::BFloat16), for the elementwise kernels that
// read and write them around float32 formulas (cpu/elementwise.h).
#define CR_DISPATCH_REDUCED_FLOAT(dtype, op, ...)                                                 \
  CR_DISPATCH_SWITCH(dtype, op, "float16 or bfloat16", CR_DISPATCH_CASE(Float16, ::cr::Half, __VA_ARGS__) \
                         CR_DISPATCH_CASE(BFloat16, ::cr::BFloat16, __VA_ARGS__))

// Every dtype, the 16-bit floats included: for the kernels that only move and convert values (copy).
#define CR_DISPATCH_STORAGE(dtype, op, ...)                                                     \
  CR_DISPATCH_SWITCH(dtype, op, "a chainrule dtype",                                            \
                     CR_DISPATCH_ALL_CASES(__VA_ARGS__) CR_DISPATCH_CASE(Float16, ::cr::Half, __VA_ARGS__) \
                         CR_DISPATCH_CASE(BFloat16, ::cr::BFloat16, __VA_ARGS__))
