// Sorting on a GPU, with cpu/sort.h's sort_lines contract: the indices that sort each of `count`
// contiguous lines of n values, ascending or descending, stably, NaN above everything (PyTorch's
// order). cpp/ops/sort.cpp reads topk, kthvalue and median off this order on a GPU.
#pragma once

#include <cstdint>

#include "core/device.h"
#include "core/dtype.h"

namespace cr::cuda {

// values (count, n) of dtype on device -> order (count, n) int64 on the same device.
void sort_lines(DType dtype, Device device, const void* values, int64_t count, int64_t n, bool descending,
                int64_t* order);

}  // namespace cr::cuda
