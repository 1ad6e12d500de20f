// The offset tables of advanced indexing (self[index tensors]) as the kernels of either device read
// them: cpp/ops/index.cpp builds and checks them on the host; cpu/index.h and cuda/index.h copy.
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

// Where advanced indexing reads or writes: the result is (P, B, Q, n) and its element (p, b, q, j)
// lives at self + pre[p] + index[b] + post[q] + j * inner_stride (offsets in elements).
struct AdvancedOffsets {
  const int64_t *pre, *index, *post;
  int64_t pre_count, index_count, post_count;
  int64_t inner_size, inner_stride;
  CR_FORMULA int64_t rows() const { return pre_count * index_count * post_count; }
  // The offset in self of element i of the (P, B, Q, n) result.
  CR_FORMULA int64_t offset(int64_t i) const {
    const int64_t j = i % inner_size, row = i / inner_size;
    const int64_t q = row % post_count, b = row / post_count % index_count, p = row / (post_count * index_count);
    return pre[p] + index[b] + post[q] + j * inner_stride;
  }
};

}  // namespace cr
