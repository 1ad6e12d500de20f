// The running-sum kernel of cumsum on a GPU, with cpu/cumsum.h's contract (both call
// core/cumsum_formula.h's running_sum): in place on a contiguous GPU buffer (outer, n, inner) on
// `device`, whose caching allocator gives the scratch of long lines.
#pragma once

#include <cstdint>

#include "core/cumsum_formula.h"
#include "core/device.h"

namespace cr::cuda {

// data (outer, n, inner) -> data: each element replaced by the sum of those up to it along n.
template <typename T>
void cumsum_in_place(Device device, T* data, const CumsumShape& s);

}  // namespace cr::cuda
