// The strided loop every elementwise kernel runs on. Operands (output first) share one shape and
// each has its own byte strides (0 on broadcast dims); dims are coalesced where memory allows, then
// a kernel is called once per innermost row: kernel(ptrs, byte_strides, n). Large loops are split
// across OpenMP threads.
#pragma once

#include <array>
#include <cstdint>

#include "core/strided_plan.h"
#include "cpu/parallel.h"

namespace cr::cpu {

// Runs rows [row_begin, row_end) of the plan, rows being all dims but the innermost; `first` and
// `count` restrict the innermost range (used when the whole plan is one row).
template <int N, typename Kernel>
void run_rows(const StridedPlan<N>& p, int64_t row_begin, int64_t row_end, int64_t first, int64_t count,
              const Kernel& kernel) {
  const int inner = p.ndim - 1;
  int64_t idx[kMaxDims] = {0};
  int64_t r = row_begin;
  for (int d = inner - 1; d >= 0; --d) {  // decompose the first row index
    idx[d] = r % p.sizes[d];
    r /= p.sizes[d];
  }
  std::array<char*, N> ptr;
  int64_t s_inner[N];
  for (int k = 0; k < N; ++k) s_inner[k] = p.strides[k][inner];
  for (int64_t row = row_begin; row < row_end; ++row) {
    for (int k = 0; k < N; ++k) {
      char* q = p.base[k] + first * s_inner[k];
      for (int d = 0; d < inner; ++d) q += idx[d] * p.strides[k][d];
      ptr[k] = q;
    }
    kernel(ptr.data(), s_inner, count);
    for (int d = inner - 1; d >= 0; --d) {  // next row
      if (++idx[d] < p.sizes[d]) break;
      idx[d] = 0;
    }
  }
}

template <int N, typename Kernel>
void for_each_row(const StridedPlan<N>& p, const Kernel& kernel) {
  if (p.numel == 0) return;
  const int64_t inner_size = p.sizes[p.ndim - 1];
  const int64_t rows = p.numel / inner_size;
  if (!should_parallelize(p.numel)) {
    run_rows<N>(p, 0, rows, 0, inner_size, kernel);
  } else if (rows == 1) {
    parallel_for(0, inner_size, kMinChunk, [&](int64_t b, int64_t e) { run_rows<N>(p, 0, 1, b, e - b, kernel); });
  } else {
    int64_t grain = std::max<int64_t>(1, kMinChunk / inner_size);
    parallel_for(0, rows, grain, [&](int64_t b, int64_t e) { run_rows<N>(p, b, e, 0, inner_size, kernel); });
  }
}

}  // namespace cr::cpu
