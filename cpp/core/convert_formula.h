// One element converted from one dtype to another, for the CPU's and the GPU's copy kernels alike:
// to bool as v != 0; a float into uint8 or int8 through int64, as in PyTorch (so -1.0 is 255 as a
// uint8 on every machine, where a direct C cast would be undefined); integers wrap modulo 2^bits.
#pragma once

#include <cstdint>
#include <type_traits>

#include "core/formula.h"

namespace cr {

template <typename To, typename From>
CR_FORMULA To convert_value(From v) {
  if constexpr (std::is_same_v<To, bool>) return v != From(0);
  else if constexpr (sizeof(To) == 1 && std::is_floating_point_v<From>) return static_cast<To>(static_cast<int64_t>(v));
  else return static_cast<To>(v);
}

}  // namespace cr
