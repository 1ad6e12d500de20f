// A copy whose source and destination are contiguous along different dims (x.t().contiguous(), an
// NCHW <-> NHWC conversion, a permute that moves the innermost dim): walked in square tiles, so
// that both the reads and the writes of a tile stay within a few cache lines, instead of one
// strided gather per output row (which touches a new cache line, and often a new page, per element).
#pragma once

#include "core/strided_plan.h"

namespace cr::cpu {

// Copies plan's operand 1 into operand 0 (same element size, no conversion) when the plan is such
// a transpose: operand 0 contiguous along its innermost dim, operand 1 contiguous along another,
// both at least a tile long. Returns false, copying nothing, otherwise.
bool copy_transposed(const StridedPlan<2>& plan);

}  // namespace cr::cpu
