// The running-sum kernel of cumsum on a GPU, with cpu/cumsum.h's contract and rounding (both call
// core/cumsum_formula.h's running_sum): in place on a contiguous GPU buffer (outer, n, inner).
#pragma once

#include <cstdint>

#include "core/cumsum_formula.h"

namespace cr::cuda {

// data (outer, n, inner) -> data: each element replaced by the sum of those up to it along n.
template <typename T>
void cumsum_in_place(T* data, const CumsumShape& s);

}  // namespace cr::cuda
