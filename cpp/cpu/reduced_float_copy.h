// Contiguous float16 <-> float32 conversions on the CPU, the hot loop of every 16-bit op (each reads
// its operands as float32 stand-ins and writes its result back: ops/float32_staging.h). With F16C
// (x86 since 2012) eight elements convert per instruction; otherwise the formulas of
// core/reduced_float.h run one by one. Both give the same bits (tests/cpp/test_reduced_float.cpp).
#pragma once

#include <cstdint>

#include "core/reduced_float.h"

namespace cr::cpu {

// out[i] = in[i] widened, for i < n.
void half_to_float(const Half* in, float* out, int64_t n);
// out[i] = in[i] rounded to nearest even, for i < n.
void float_to_half(const float* in, Half* out, int64_t n);

}  // namespace cr::cpu
