// softmax and log_softmax: one fused kernel per layout. The input, made contiguous, is viewed as
// (outer, n, inner) with the softmax dim in the middle. When inner == 1 each row of n elements is
// handled alone (max, then exp and sum, then scale); otherwise a block of neighbouring columns
// runs the same three passes together, vectorized across the columns. Float exponentials come
// from cpu/vec_math.h (no libm call), so every pass vectorizes. The backward formulas
// (SoftmaxBackward0, LogSoftmaxBackward0) are recorded ops, so they differentiate again.
#include "ops/softmax.h"

#include <cmath>

#include "autograd/record.h"
#include "cpu/reduce.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

template <typename T>
inline T exp_of(T x) {
  if constexpr (std::is_same_v<T, float>) return cpu::vec::exp(x);
  else return std::exp(x);
}

// y[i] = e^(x[i] - m): a plain map, so it vectorizes.
template <typename T>
void exp_shifted(const T* x, T m, T* y, int64_t n) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) y[i] = exp_of(x[i] - m);
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
      const T e = exp_of(row[j] - m[j]);
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

// y = softmax(x) or log_softmax(x) along dim; x and y have the same shape, x is contiguous.
template <bool kLog>
void run_softmax(const Tensor& x, const Tensor& y, int64_t dim, const char* op) {
  if (x->numel() == 0) return;
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < dim; ++d) outer *= x->size(d);
  for (int64_t d = dim + 1; d < x->dim(); ++d) inner *= x->size(d);
  const int64_t n = x->dim() == 0 ? 1 : x->size(dim);
  CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
    softmax_kernel<scalar_t, kLog>(x->data<scalar_t>(), y->data<scalar_t>(), outer, n, inner);
  });
}

// The gradient w.r.t. the input from g and the output y (both shaped like the input):
// softmax: y * (g - sum(g * y)); log_softmax: g - exp(y) * sum(g), the sums along dim.
template <bool kLog>
Tensor softmax_backward(const Tensor& g, const Tensor& y, int64_t dim) {
  const std::vector<int64_t> along{dim};
  if constexpr (kLog) return g - unary(UnaryOp::Exp, y) * sum(g, along, true);
  else return y * (g - sum(g * y, along, true));
}

template <bool kLog>
Tensor softmax_impl(const Tensor& t, int64_t dim, std::optional<DType> dtype, const char* op) {
  CR_CHECK(t->device().is_cpu(), RuntimeError, op, ": only CPU tensors are supported, got a ", describe(t),
           " on ", t->device());
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
           [sy = SavedTensor(y, true), dim](const TensorList& g, const Node& n) -> TensorList {
             return {softmax_backward<kLog>(g[0], sy.unpack(n), dim)};
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
