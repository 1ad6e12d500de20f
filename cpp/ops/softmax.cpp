// softmax and log_softmax: one fused kernel per layout. The input, made contiguous, is viewed as
// (outer, n, inner) with the softmax dim in the middle. When inner == 1 each row of n elements is
// handled alone (max, then exp and sum, then scale); otherwise a block of neighbouring columns
// runs the same three passes together, vectorized across the columns. Float exponentials come
// from cpu/vec_math.h (no libm call), so every pass vectorizes. Backward (SoftmaxBackward0,
// LogSoftmaxBackward0) runs a fused kernel of the same layout, or, when the backward itself is
// being recorded (create_graph=True), the same formula as recorded ops, which differentiate again.
#include "ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "autograd/record.h"
#include "cpu/reduce.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

// y[i] = e^(x[i] - m): a plain map, so it vectorizes.
template <typename T>
void exp_shifted(const T* x, T m, T* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = cpu::vec::exp(x[i] - m);
}

// One contiguous row of n elements: max, exponentials and their sum, then scale or shift.
template <typename T, bool kLog>
void softmax_row(const T* x, T* y, int64_t n) {
  using Sum = cpu::SumReducer<T>;
  const T m = cpu::reduce_run<cpu::MaxReducer<T>>(x, n, 1, cpu::lowest_value<T>());
  typename Sum::total_t total = 0;
  if constexpr (kLog) {  // the exponentials are only summed: keep them in a small buffer
    constexpr int64_t kChunk = 1024;
    T buffer[kChunk];
    for (int64_t i = 0; i < n; i += kChunk) {
      const int64_t len = std::min(kChunk, n - i);
      exp_shifted(x + i, m, buffer, len);
      total = cpu::reduce_run<Sum>(buffer, len, 1, total);
    }
    const T log_total = static_cast<T>(std::log(total));
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) - log_total;
  } else {
    exp_shifted(x, m, y, n);
    const T scale = static_cast<T>(1 / cpu::reduce_run<Sum>(y, n, 1, total));
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
  for (int64_t j = 0; j < w; ++j) m[j] = cpu::lowest_value<T>(), total[j] = 0;
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) m[j] = cpu::max_keeping_nan(m[j], row[j]);
  }
  for (int64_t r = 0; r < n; ++r) {
    const T* row = x + r * inner;
    T* out = y + r * inner;
#pragma omp simd
    for (int64_t j = 0; j < w; ++j) {
      const T e = cpu::vec::exp(row[j] - m[j]);
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

// x and y are (outer, n, inner), contiguous.
template <typename T, bool kLog>
void softmax_kernel(const T* x, T* y, int64_t outer, int64_t n, int64_t inner) {
  const bool parallel = cpu::should_parallelize(outer * n * inner);
  if (inner == 1) {
    auto rows = [&](int64_t b, int64_t e) {
      rows_range<T, kLog>(x, y, n, b, e);
    };
    if (parallel) cpu::parallel_for(0, outer, std::max<int64_t>(1, cpu::kMinChunk / n), rows);
    else rows(0, outer);
    return;
  }
  auto column_blocks = [&](int64_t b, int64_t e) {
    column_blocks_range<T, kLog>(x, y, n, inner, b, e);
  };
  const int64_t tasks = outer * ((inner + kColumnBlock - 1) / kColumnBlock);
  if (parallel) cpu::parallel_for(0, tasks, std::max<int64_t>(1, cpu::kMinChunk / (n * kColumnBlock)), column_blocks);
  else column_blocks(0, tasks);
}

// t's sizes as (outer, n, inner) with n the size of dim (1 for a 0-d tensor).
struct Split {
  int64_t outer, n, inner;
};
Split split_at(const Tensor& t, int64_t dim) {
  Split s{1, t->dim() == 0 ? 1 : t->size(dim), 1};
  for (int64_t d = 0; d < dim; ++d) s.outer *= t->size(d);
  for (int64_t d = dim + 1; d < t->dim(); ++d) s.inner *= t->size(d);
  return s;
}

// y = softmax(x) or log_softmax(x) along dim; x and y have the same shape, x is contiguous.
template <bool kLog>
void run_softmax(const Tensor& x, const Tensor& y, int64_t dim, const char* op) {
  if (x->numel() == 0) return;
  const Split s = split_at(x, dim);
  CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
    softmax_kernel<scalar_t, kLog>(x->data<scalar_t>(), y->data<scalar_t>(), s.outer, s.n, s.inner);
  });
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
    for (int64_t r = 0; r < n; ++r) dx[r] = kLog ? g[r] - cpu::vec::exp(y[r]) * row_total : y[r] * (g[r] - row_total);
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
      if constexpr (kLog) dx[at + j] = g[at + j] - cpu::vec::exp(y[at + j]) * total[j];
      else dx[at + j] = y[at + j] * (g[at + j] - total[j]);
    }
  }
}

// g, y and dx are (outer, n, inner), contiguous.
template <typename T, bool kLog>
void softmax_backward_kernel(const T* g, const T* y, T* dx, int64_t outer, int64_t n, int64_t inner) {
  auto groups = [&](int64_t b, int64_t e) {
    std::vector<T> total(inner);
    for (int64_t o = b; o < e; ++o) {
      const int64_t at = o * n * inner;
      softmax_backward_group<T, kLog>(g + at, y + at, dx + at, n, inner, total.data());
    }
  };
  if (cpu::should_parallelize(outer * n * inner)) {
    cpu::parallel_for(0, outer, std::max<int64_t>(1, cpu::kMinChunk / (n * inner)), groups);
  } else {
    groups(0, outer);
  }
}

// The gradient w.r.t. the input from g and the output y (both shaped like the input).
template <bool kLog>
Tensor softmax_backward(const Tensor& g, const Tensor& y, int64_t dim, const char* op) {
  if (GradMode::is_enabled()) {  // create_graph: recorded ops, so that this differentiates again
    const std::vector<int64_t> along{dim};
    if constexpr (kLog) return g - unary(UnaryOp::Exp, y) * sum(g, along, true);
    else return y * (g - sum(g * y, along, true));
  }
  Tensor gc = contiguous(g), yc = contiguous(y);
  Tensor dx = TensorImpl::empty(y->sizes(), y->dtype(), y->device());
  if (y->numel() == 0) return dx;
  const Split s = split_at(y, dim);
  CR_DISPATCH_FLOATING(y->dtype(), op, [&] {
    softmax_backward_kernel<scalar_t, kLog>(gc->data<scalar_t>(), yc->data<scalar_t>(), dx->data<scalar_t>(), s.outer,
                                            s.n, s.inner);
  });
  return dx;
}

template <bool kLog>
Tensor softmax_impl(const Tensor& t, int64_t dim, std::optional<DType> dtype, const char* op) {
  cpu_kernels_device(op, {&t});
  dim = wrap_dim(dim, t->dim(), op);
  Tensor x = dtype ? to_dtype(t, *dtype) : t;
  CR_CHECK(is_floating(x->dtype()), TypeError, op, ": expected a float32 or float64 tensor, got a ", describe(x),
           " (pass dtype=chainrule.float32 to convert)");
  Tensor y = TensorImpl::empty(x->sizes(), x->dtype(), x->device());
  {
    GradModeGuard no_record(false);  // the contiguous copy is an implementation detail
    run_softmax<kLog>(contiguous(x), y, dim, op);
  }
  if (needs_grad({&x})) {
    record(kLog ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x}, {y},
           [sy = SavedTensor(y, true), dim, op](const TensorList& g, const Node& n) -> TensorList {
             return {softmax_backward<kLog>(g[0], sy.unpack(n), dim, op)};
           });
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<false>(t, dim, dtype, "softmax");
}

Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<true>(t, dim, dtype, "log_softmax");
}

}  // namespace cr
