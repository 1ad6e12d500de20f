// Reductions on a GPU, with the CPU drivers' contracts (cpu/reduce.h) and results: the input
// (layout) reduced over its reduced dims into out, and max/min along one dim with the first
// position holding the extreme. Sums of float32 accumulate in double as on the CPU; max and min
// propagate NaN, and NaN counts as the extreme, as in PyTorch.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/reduce_layout.h"

namespace cr::cuda {

enum class ReduceKind : uint8_t { Sum, SumOfSquares, Prod, Max, Min, All, Any };

// out's dtype is the reducer's: sum/prod of int64 or bool give int64, all/any give bool, the rest
// the input's dtype.
void reduce_kernel(ReduceKind kind, DType in_dtype, const void* in, const ReduceLayout& layout, void* out);
void arg_reduce_kernel(bool is_max, DType dtype, const void* in, const ReduceLayout& layout, void* values,
                       int64_t* indices);

}  // namespace cr::cuda
