// The kernels of advanced indexing (self[index tensors] read and written) and of nonzero, on raw
// pointers. cpp/ops/index.cpp checks and wraps every index value, builds the offset tables,
// allocates and records autograd; these only copy.
#pragma once

#include <cstdint>

#include "core/advanced_offsets.h"

namespace cr::cpu {

// self (strided, by o) -> out (P, B, Q, n) contiguous: out = self[indices].
template <typename T>
void index_read(const T* self, const AdvancedOffsets& o, T* out);
// values (P, B, Q, n) contiguous, or one value when broadcast_value -> self (by o):
// self[indices] = values (+= when accumulate; never for bool). Duplicate indices resolve in order
// (the last write wins, or every value adds up).
template <typename T>
void index_write(T* self, const AdvancedOffsets& o, const T* values, bool broadcast_value, bool accumulate);

// mask (sizes[0..ndim), contiguous, ndim >= 1) -> rows (count + 1, ndim): the coordinates of each
// true element in row-major order; the spare last row is scratch.
void nonzero_rows(const bool* mask, const int64_t* sizes, int64_t ndim, int64_t* rows);
// mask (n) -> positions (count + 1): the positions of the true elements; the spare last slot is scratch.
void nonzero_flat(const bool* mask, int64_t n, int64_t* positions);

}  // namespace cr::cpu
