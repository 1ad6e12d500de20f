// Factories on a GPU: a single value written from the launch itself (so a number becomes a GPU
// tensor without a host-to-device copy, which would wait for the GPU), ranges computed in place
// (core/range_formulas.h), and the diagonal of eye. cpp/ops/creation.cpp is the dispatch point.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/range_formulas.h"

namespace cr::cuda {

// dst[0..nbytes) = the first nbytes bytes of `bits` (one element of at most 8 bytes).
void store_bytes(void* dst, uint64_t bits, int nbytes);
// dst (n,) = the range's values, in dtype (bool: the CPU's DTypeError).
void arange_fill(DType dtype, void* dst, int64_t n, const ArangeFormula& range);
void linspace_fill(DType dtype, void* dst, int64_t n, const LinspaceFormula& range);
// dst (rows, cols), zeroed: 1 at (i, i) for i < count.
void eye_diagonal(DType dtype, void* dst, int64_t count, int64_t cols);

}  // namespace cr::cuda
