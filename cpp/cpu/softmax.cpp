// The softmax kernels declared in cpu/softmax.h. When inner == 1 each row of n elements is handled
// alone (max, then exp and sum, then scale); otherwise a block of neighbouring columns runs the same
// three passes together, vectorized across the columns. Float exponentials come from
// cpu/vec_math.h (no libm call), so every pass vectorizes. The backward kernels have the same two
// layouts.
#include "cpu/softmax.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/parallel.h"
#include "cpu/reduce.h"
#include "cpu/vec_math.h"

namespace cr::cpu {

namespace {

// y[i] = e^(x[i] - m): a plain map, so it vectorizes.
template <typename T>
void exp_shifted(const T* x, T m, T* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = vec::exp(x[i] - m);
}

// One contiguous row of n elements: max, exponentials and their sum, then scale or shift.
template <typename T, bool kLog>
void softmax_row(const T* x, T* y, int64_t n) {
  using Sum = SumReducer<T>;
  const T m = reduce_run<MaxReducer<T>>(x, n, 1, lowest_value<T>());
  typename Sum::total_t total = 0;
  if constexpr (kLog) {  // the exponentials are only summed: keep them in a small buffer
    constexpr int64_t kChunk = 1024;
    T buffer[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
      const int64_t len = std::min(kChunk, n - i);
      exp_shifted(x + i, m, buffer, len);
      total = reduce_run<Sum>(buffer, len, 1, total);
    }
    const T log_total = static_cast<T>(std::log(total));
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_total;
  } else {
    exp_shifted(x, m, y, n);
    const T scale = static_cast<T>(1 / reduce_run<Sum>(y, n, 1, total));
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] *= scale;
  }
}

constexpr int64_t kColumnBlock = 64;

// w <= kColumnBlock neighbouring columns of n rows, `inner` elements apart.
template <typename T, bool kLog>
void softmax_columns(const T* x, T* y, int64_t n, int64_t inner, int64_t w) {
  T m[kColumnBlock], last[kColumnBlock];  // log_softmax: log of the total; softmax: 1 / total
  double total[kColumnBlock];
  for (int64_t j = 0; j < w; ++j) m[j] = lowest_value<T>(), total[j] = 0;
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) m[j] = max_keeping_nan(m[j], row[j]);
  }
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * inner;
    T* out = y + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) {
      const T e = vec::exp(row[j] - m[j]);
      if constexpr (!kLog) out[j] = e;
      total[j] += e;
    }
  }
  for (int64_t j = 0; j < w; ++j) {
    last[j] = static_cast<T>(kLog ? std::log(total[j]) : 1 / total[j]);
  }
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * inner;
    T* out = y + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) {
      if constexpr (kLog) out[j] = (row[j] - m[j]) - last[j];
      else out[j] *= last[j];
    }
  }
}

// The loops one thread runs: rows [b, e) of (rows, n), or column blocks [b, e) of (outer, n, inner).
template <typename T, bool kLog>
void rows_range(const T* x, T* y, int64_t n, int64_t b, int64_t e) {
  for (int64_t o = b; o < e; ++o) softmax_row<T, kLog>(x + o * n, y + o * n, n);
}

template <typename T, bool kLog>
void column_blocks_range(const T* x, T* y, int64_t n, int64_t inner, int64_t b, int64_t e) {
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  for (int64_t task = b; task < e; ++task) {
    const int64_t o = task / blocks, j = task % blocks * kColumnBlock;
    const int64_t at = o * n * inner + j;
    softmax_columns<T, kLog>(x + at, y + at, n, inner, std::min(kColumnBlock, inner - j));
  }
}

template <typename T, bool kLog>
void softmax_kernel(const T* x, const SoftmaxShape& s, T* y) {
  const int64_t outer = s.outer, n = s.n, inner = s.inner;
  const bool parallel = should_parallelize(outer * n * inner);
  if (inner == 1) {
    auto rows = [&](int64_t b, int64_t e) {
      rows_range<T, kLog>(x, y, n, b, e);
    };
    if (parallel) parallel_for(0, outer, std::max<int64_t>(1, kMinChunk / n), rows);
    else rows(0, outer);
    return;
  }
  auto column_blocks = [&](int64_t b, int64_t e) {
    column_blocks_range<T, kLog>(x, y, n, inner, b, e);
  };
  const int64_t tasks = outer * ((inner + kColumnBlock - 1) / kColumnBlock);
  if (parallel) parallel_for(0, tasks, std::max<int64_t>(1, kMinChunk / (n * kColumnBlock)), column_blocks);
  else column_blocks(0, tasks);
}

// The gradient w.r.t. the input from g and the output y along n, one group of `inner` neighbouring
// columns (inner == 1: one row): softmax: y * (g - sum(g * y)); log_softmax: g - exp(y) * sum(g).
// `total` holds `inner` partial sums.
template <typename T, bool kLog>
void softmax_backward_group(const T* g, const T* y, T* dx, int64_t n, int64_t inner, T* total) {
  if (inner == 1) {  // one row: a vectorized reduction
    T row_total = 0;
#pragma omp simd reduction(+ : row_total)
    for (int64_t r = 0; r < n; ++r) row_total += kLog ? g[r] : g[r] * y[r];
#pragma omp simd
    for (int64_t r = 0; r < n; ++r) dx[r] = kLog ? g[r] - vec::exp(y[r]) * row_total : y[r] * (g[r] - row_total);
    return;
  }
  std::fill(total, total + inner, T(0));
  for (int64_t r = 0; r < n; ++r) {
    const T* gr = g + r * inner;
    const T* yr = y + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < inner; ++j) total[j] += kLog ? gr[j] : gr[j] * yr[j];
  }
  for (int64_t r = 0; r < n; ++r) {
    const int64_t at = r * inner;
#pragma omp simd
    for (int64_t j = 0; j < inner; ++j) {
      if constexpr (kLog) dx[at + j] = g[at + j] - vec::exp(y[at + j]) * total[j];
      else dx[at + j] = y[at + j] * (g[at + j] - total[j]);
    }
  }
}

template <typename T, bool kLog>
void softmax_backward_kernel(const T* g, const T* y, const SoftmaxShape& s, T* dx) {
  const int64_t outer = s.outer, n = s.n, inner = s.inner;
  auto groups = [&](int64_t b, int64_t e) {
    std::vector<T> total(inner);
    for (int64_t o = b; o < e; ++o) {
      const int64_t at = o * n * inner;
      softmax_backward_group<T, kLog>(g + at, y + at, dx + at, n, inner, total.data());
    }
  };
  if (should_parallelize(outer * n * inner)) {
    parallel_for(0, outer, std::max<int64_t>(1, kMinChunk / (n * inner)), groups);
  } else {
    groups(0, outer);
  }
}

}  // namespace

template <typename T>
void softmax(const T* x, const SoftmaxShape& s, T* y) {
  softmax_kernel<T, false>(x, s, y);
}
template <typename T>
void log_softmax(const T* x, const SoftmaxShape& s, T* y) {
  softmax_kernel<T, true>(x, s, y);
}
template <typename T>
void softmax_backward(const T* g, const T* y, const SoftmaxShape& s, T* dx) {
  softmax_backward_kernel<T, false>(g, y, s, dx);
}
template <typename T>
void log_softmax_backward(const T* g, const T* y, const SoftmaxShape& s, T* dx) {
  softmax_backward_kernel<T, true>(g, y, s, dx);
}

#define CR_SOFTMAX_INSTANTIATE(T)                                                  \
  template void softmax<T>(const T*, const SoftmaxShape&, T*);                     \
  template void log_softmax<T>(const T*, const SoftmaxShape&, T*);                 \
  template void softmax_backward<T>(const T*, const T*, const SoftmaxShape&, T*); \
  template void log_softmax_backward<T>(const T*, const T*, const SoftmaxShape&, T*);
CR_SOFTMAX_INSTANTIATE(float)
CR_SOFTMAX_INSTANTIATE(double)
#undef CR_SOFTMAX_INSTANTIATE

}  // namespace cr::cpu
