// Sorting and searching on a GPU, with cpu/sort.h's contracts: the indices that sort each of `count`
// contiguous lines of n values, ascending or descending, stably, NaN above everything (PyTorch's
// order), from which cpp/ops/sort.cpp reads topk, kthvalue and median on a GPU; and searchsorted.
#pragma once

#include <cstdint>

#include "core/device.h"
#include "core/dtype.h"
#include "core/search_formula.h"

namespace cr::cuda {

// values (count, n) of dtype on device -> order (count, n) int64 on the same device.
void sort_lines(DType dtype, Device device, const void* values, int64_t count, int64_t n, bool descending,
                int64_t* order);

// sequence (lines, m), values (count) of dtype (float32, float64 or int64) -> position (count):
// core/search_formula.h's search_line for every value, one thread each.
void search_sorted(DType dtype, const void* sequence, const int64_t* order, const void* values, const SearchShape& s,
                   bool right, int64_t* position);

}  // namespace cr::cuda
