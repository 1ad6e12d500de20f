// GEMM-based convolution kernels (see conv_gemm.h). Each sample is one im2col (or col2im) plus
// one GEMM per group. When the batch has a sample for every thread and enough work, samples run
// in parallel with BLAS kept on one thread inside; otherwise samples run in turn and BLAS threads
// each product itself. The column matrix lives in a thread-local scratch buffer that grows to the
// largest size seen and is reused by later calls.
#include "cpu/conv_gemm.h"

#include <algorithm>
#include <exception>
#include <vector>

#include "cpu/blas.h"
#include "cpu/gemm.h"
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

// This thread's column buffer, at least n elements.
template <typename T>
T* scratch(int64_t n) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(n);
  return buffer.data();
}

// BLAS on one thread for the lifetime of the guard (each OpenMP thread runs its own products).
class SingleThreadedBlas {
 public:
  SingleThreadedBlas() { blas_set_num_threads(1); }
  ~SingleThreadedBlas() { blas_set_num_threads(get_num_threads()); }
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;
};

// Multiply-adds of one convolution pass over the whole batch.
int64_t conv_flops(const ConvShape& s) {
  return s.batch * s.out_channels * s.col_rows() * s.window.out_size();
}

// How many threads share the batch: every thread needs a sample, and a pass below ~1 MFLOP is
// faster on one thread than split (thread wake-up dominates).
int64_t batch_threads(const ConvShape& s) {
  constexpr int64_t kMinSplitFlops = 1 << 20;
  if (conv_flops(s) < kMinSplitFlops || !should_parallelize(conv_flops(s))) return 1;
  return std::min<int64_t>(get_num_threads(), s.batch);
}

// fn(n_begin, n_end, part) over the batch, split into `parts` contiguous ranges of samples. An
// exception in a thread (a scratch allocation failing) is rethrown once the threads have joined.
template <typename Fn>
void for_batch_parts(const ConvShape& s, int64_t parts, const Fn& fn) {
  if (parts <= 1) {
    fn(0, s.batch, 0);
    return;
  }
  SingleThreadedBlas one_thread;
  std::exception_ptr failure;
#pragma omp parallel for num_threads(static_cast<int>(parts)) schedule(static, 1)
  for (int64_t p = 0; p < parts; ++p) {
    try {
      fn(s.batch * p / parts, s.batch * (p + 1) / parts, p);
    } catch (...) {
#pragma omp critical(cr_conv_failure)
      failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
}

// Group g's column matrix (col_rows, OH*OW) of sample plane x_g (C/G, H, W).
template <typename T>
const T* columns_of(const T* x_g, const ConvShape& s, T* buffer) {
  if (s.pointwise()) return x_g;
  im2col(x_g, s.group_in(), s.window, buffer);
  return buffer;
}

}  // namespace

bool ConvShape::pointwise() const {
  const Window2d& w = window;
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 && w.pad_w == 0 &&
         w.out_height == w.height && w.out_width == w.width;
}

template <typename T>
void conv_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  for_batch_parts(s, batch_threads(s), [&](int64_t begin, int64_t end, int64_t) {
    T* buffer = s.pointwise() ? nullptr : scratch<T>(rows * out);
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t g = 0; g < s.groups; ++g) {
        const T* col = columns_of(x + (n * s.in_channels + g * s.group_in()) * in, s, buffer);  // (rows, OH*OW)
        T* y_g = y + (n * s.out_channels + g * kg) * out;                                       // (K/G, OH*OW)
        gemm(false, false, kg, out, rows, T(1), w + g * kg * rows, rows, col, out, T(0), y_g, out);
      }
      if (bias == nullptr) continue;
      for (int64_t k = 0; k < s.out_channels; ++k) {
        T* plane = y + (n * s.out_channels + k) * out;
        const T b = bias[k];
#pragma omp simd
        for (int64_t i = 0; i < out; ++i) plane[i] += b;
      }
    }
  });
}

template <typename T>
void conv_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  for_batch_parts(s, batch_threads(s), [&](int64_t begin, int64_t end, int64_t) {
    T* buffer = s.pointwise() ? nullptr : scratch<T>(rows * out);
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t g = 0; g < s.groups; ++g) {
        const T* gy_g = gy + (n * s.out_channels + g * kg) * out;  // (K/G, OH*OW)
        T* gx_g = gx + (n * s.in_channels + g * s.group_in()) * in;  // (C/G, H, W)
        // columns (rows, OH*OW) = w_g^T (rows, K/G) @ gy_g; pointwise: they are gx_g itself
        T* col = s.pointwise() ? gx_g : buffer;
        gemm(true, false, rows, out, kg, T(1), w + g * kg * rows, rows, gy_g, out, T(0), col, out);
        if (!s.pointwise()) col2im(col, s.group_in(), s.window, gx_g);
      }
    }
  });
}

template <typename T>
void conv_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  const int64_t weight_numel = s.out_channels * rows, parts = batch_threads(s);
  // Part 0 accumulates into gw, the others into their own (K, rows) partial sums, added at the end.
  std::vector<T> partials((parts - 1) * weight_numel, T(0));
  std::fill(gw, gw + weight_numel, T(0));
  for_batch_parts(s, parts, [&](int64_t begin, int64_t end, int64_t part) {
    T* buffer = s.pointwise() ? nullptr : scratch<T>(rows * out);
    T* acc = part == 0 ? gw : partials.data() + (part - 1) * weight_numel;  // (K, rows)
    for (int64_t n = begin; n < end; ++n) {
      for (int64_t g = 0; g < s.groups; ++g) {
        const T* col = columns_of(x + (n * s.in_channels + g * s.group_in()) * in, s, buffer);  // (rows, OH*OW)
        const T* gy_g = gy + (n * s.out_channels + g * kg) * out;                               // (K/G, OH*OW)
        // acc_g (K/G, rows) += gy_g @ col^T
        gemm(false, true, kg, rows, out, T(1), gy_g, out, col, out, T(1), acc + g * kg * rows, rows);
      }
    }
  });
  for (int64_t p = 0; p + 1 < parts; ++p) {
    const T* partial = partials.data() + p * weight_numel;
#pragma omp simd
    for (int64_t i = 0; i < weight_numel; ++i) gw[i] += partial[i];
  }
}

#define CR_CONV_GEMM_INSTANTIATE(T)                                                   \
  template void conv_forward<T>(const T*, const T*, const T*, const ConvShape&, T*); \
  template void conv_input_grad<T>(const T*, const T*, const ConvShape&, T*);         \
  template void conv_weight_grad<T>(const T*, const T*, const ConvShape&, T*);
CR_CONV_GEMM_INSTANTIATE(float)
CR_CONV_GEMM_INSTANTIATE(double)
#undef CR_CONV_GEMM_INSTANTIATE

}  // namespace cr::cpu
