// PyTorch's bitwise shifts of int64, shared by the CPU and GPU kernels (ops/binary.cpp,
// cuda/elementwise.cu) so both devices agree: a shift amount outside [0, 64) shifts every bit out
// (0 to the left, the sign bits to the right), and the right shift is arithmetic. Written without
// C++'s undefined behaviour: no shift by a negative amount or by 64 or more, and no left shift of
// a negative signed value (the bits move as uint64).
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

CR_FORMULA int64_t left_shift(int64_t value, int64_t amount) {
  const uint64_t places = static_cast<uint64_t>(amount);  // a negative amount becomes >= 64
  // Branch-free (a data-dependent branch mispredicts): shift by places mod 64, then zero it out.
  const uint64_t keep = places < 64 ? ~uint64_t{0} : 0;
  return static_cast<int64_t>((static_cast<uint64_t>(value) << (places & 63)) & keep);
}

CR_FORMULA int64_t right_shift(int64_t value, int64_t amount) {
  const uint64_t requested = static_cast<uint64_t>(amount);
  const int places = requested < 64 ? static_cast<int>(requested) : 63;  // 63 leaves only the sign
  // Arithmetic without relying on how >> treats negative values: ~value is then non-negative.
  return value < 0 ? ~(~value >> places) : value >> places;
}

}  // namespace cr
