// The running-sum kernel of cumsum, in place on a contiguous buffer viewed as (outer, n, inner)
// with the summed dim in the middle (core/cumsum_formula.h). cpp/ops/reduce.cpp checks the
// arguments, copies the input into the output (converted to its dtype) and records autograd; this
// only scans.
#pragma once

#include <cstdint>

#include "core/cumsum_formula.h"

namespace cr::cpu {

// data (outer, n, inner) -> data: each element replaced by the sum of those up to it along n.
// Float32 lines with inner == 1 accumulate in double; columns (inner > 1) add row by row.
template <typename T>
void cumsum_in_place(T* data, const CumsumShape& s);

}  // namespace cr::cpu
