// One element converted from one dtype to another, for the CPU's and the GPU's copy kernels alike,
// giving what PyTorch's CPU casts give on x86: to bool as v != 0; a float into uint8 through int64
// (so -1.0 is 255 on every machine, where a direct C cast would be undefined); a float into int32,
// int16 or int8 through int32, where NaN and values out of int32's range become INT32_MIN (x86's
// truncating conversion, which PyTorch's casts compile to); integers wrap modulo 2^bits; float16 and
// bfloat16 through float32, as c10's Half and BFloat16 convert.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/formula.h"
#include "core/reduced_float.h"

namespace cr {

template <typename From>
CR_FORMULA int32_t truncate_to_int32(From v) {
  return v >= From(-2147483648.0) && v < From(2147483648.0) ? static_cast<int32_t>(v) : int32_t(-2147483647 - 1);
}

template <typename To, typename From>
CR_FORMULA To convert_value(From v) {
  if constexpr (is_reduced_float_type<From>) {
    if constexpr (std::is_same_v<To, From>) return v;
    else return convert_value<To>(to_float(v));
  } else if constexpr (std::is_same_v<To, Half>) {
    return to_half(convert_value<float>(v));
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return to_bfloat16(convert_value<float>(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else if constexpr (std::is_floating_point_v<From> && std::is_same_v<To, uint8_t>) {
    return static_cast<To>(static_cast<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> && sizeof(To) <= 4) {
    return static_cast<To>(truncate_to_int32(v));
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace cr
