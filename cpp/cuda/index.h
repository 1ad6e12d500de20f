// Indexing on a GPU: advanced indexing's read and write through the offset tables of
// core/advanced_offsets.h (device copies, built and checked on the host by cpp/ops/index.cpp), and
// gather/scatter along one dim. One thread per element; the index values were checked on the host
// first. Where indices repeat, an accumulating write adds with atomics (the order of a float sum
// may vary from run to run) and a plain write keeps one of the values, unspecified which: PyTorch's
// GPU says the same.
#pragma once

#include "core/advanced_offsets.h"
#include "core/dtype.h"
#include "core/strided_operand.h"

namespace cr::cuda {

// self (by o) -> out (P, B, Q, n) contiguous. Every dtype.
void index_read(DType dtype, const void* self, const AdvancedOffsets& o, void* out);
// values (P, B, Q, n) contiguous, or one value when broadcast_value -> self (by o): = or +=
// (accumulate: numeric dtypes only).
void index_write(DType dtype, void* self, const AdvancedOffsets& o, const void* values, bool broadcast_value,
                 bool accumulate);

// Over `shape` (index's sizes), the operand index addresses is seen with stride 0 at the dim and
// moves `step` elements per index value:
//   gather:  out[pos] = input[pos, dim := index[pos]]
//   scatter: self[pos, dim := index[pos]] = src[pos] (+= when accumulate; numeric dtypes only)
void gather(DType dtype, const Shape& shape, const StridedOperand& out, const StridedOperand& index,
            const StridedOperand& input, int64_t step);
void scatter(DType dtype, const Shape& shape, const StridedOperand& self, const StridedOperand& index,
             const StridedOperand& src, int64_t step, bool accumulate);

}  // namespace cr::cuda
