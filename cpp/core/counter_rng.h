// The counter-based stream behind dropout masks, shared by the CPU's and the GPU's kernels so a
// seed gives the same mask on either device: draw i of the stream `key` is splitmix64 of
// key + (i + 1) * golden, a pure function of (key, i).
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

CR_FORMULA uint64_t splitmix64(uint64_t key, uint64_t i) {
  uint64_t z = key + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace cr
