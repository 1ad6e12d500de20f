// GEMM-based convolution kernels (see conv_gemm.h). Each sample is one im2col (or col2im) plus
// one GEMM per group; on small planes a block of samples shares one wider GEMM. When the batch has a sample for every thread and enough work, samples run
// in parallel with BLAS kept on one thread inside; otherwise samples run in turn and BLAS threads
// each product itself. The column matrix lives in a thread-local scratch buffer that grows to the
// largest size seen and is reused by later calls.
#include "cpu/conv_gemm.h"

#include <algorithm>
#include <vector>

#include "cpu/blas.h"
#include "cpu/gemm.h"
#include "cpu/parallel.h"
#include "cpu/scratch.h"

namespace cr::cpu {

namespace {

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

// fn(n_begin, n_end, part) over the batch, split into `parts` contiguous ranges of samples run in
// parallel.
template <typename Fn>
void for_batch_parts(const ConvShape& s, int64_t parts, const Fn& fn) {
  if (parts <= 1) {
    fn(0, s.batch, 0);
    return;
  }
  run_parts(parts, [&](int64_t p) { fn(s.batch * p / parts, s.batch * (p + 1) / parts, p); });
}

// Samples whose columns go side by side into one GEMM. Small planes (late CNN layers) give skinny
// per-sample products that BLAS runs far below its peak, so below kMinColumns output positions
// blocks of samples fill ~kTargetColumns columns, within a scratch budget. Larger planes run one
// sample at a time: there the block's extra output copy cost more than it gained (measured on a
// 28x28 plane with 9 column rows). Pointwise convolutions read the input directly.
int64_t block_samples(const ConvShape& s) {
  constexpr int64_t kMinColumns = 256, kTargetColumns = 1024, kMaxScratch = 1 << 21;  // scratch in elements
  const int64_t out = std::max<int64_t>(1, s.window.out_size());
  if (s.pointwise() || out >= kMinColumns) return 1;
  const int64_t by_columns = (kTargetColumns + out - 1) / out;
  const int64_t by_memory = kMaxScratch / std::max<int64_t>(1, (s.col_rows() + s.group_out()) * out);
  return std::max<int64_t>(1, std::min({by_columns, by_memory, s.batch}));
}

// Copies `count` samples' (rows, cols) blocks, `sample_stride` apart in src, side by side into
// dst (rows, count * cols); split_samples copies back the other way.
template <typename T>
void join_samples(const T* src, int64_t sample_stride, int64_t rows, int64_t cols, int64_t count, T* dst) {
  for (int64_t i = 0; i < count; ++i)
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src + i * sample_stride + r * cols, src + i * sample_stride + (r + 1) * cols,
                dst + r * count * cols + i * cols);
}
template <typename T>
void split_samples(const T* src, int64_t rows, int64_t cols, int64_t count, T* dst, int64_t sample_stride) {
  for (int64_t i = 0; i < count; ++i)
    for (int64_t r = 0; r < rows; ++r)
      std::copy(src + r * count * cols + i * cols, src + r * count * cols + (i + 1) * cols,
                dst + i * sample_stride + r * cols);
}

// A block of `count` samples starting at n, seen by one group g: pointers into the batch and the
// thread's scratch. Columns are (rows, count * OH*OW); with one sample, the per-sample buffers
// (outputs, output gradients) are used in place instead of being copied through scratch.
template <typename T>
struct SampleBlock {
  const ConvShape& s;
  int64_t n, count, g;
  T* scratch_cols;   // (rows, count * OH*OW)
  T* scratch_plane;  // (K/G, count * OH*OW)

  int64_t out() const { return s.window.out_size(); }
  int64_t width() const { return count * out(); }  // columns of the block's matrices
  int64_t x_offset(int64_t i) const { return ((n + i) * s.in_channels + g * s.group_in()) * s.window.in_size(); }
  int64_t y_offset(int64_t i) const { return ((n + i) * s.out_channels + g * s.group_out()) * out(); }

  // The block's column matrix of x: the input itself when pointwise (one sample).
  const T* columns(const T* x) const {
    if (s.pointwise()) return x + x_offset(0);
    for (int64_t i = 0; i < count; ++i) im2col(x + x_offset(i), s.group_in(), s.window, scratch_cols + i * out(), width());
    return scratch_cols;
  }
  // The block's (K/G, count * OH*OW) matrix of an output-shaped tensor.
  const T* output_plane(const T* y) const {
    if (count == 1) return y + y_offset(0);
    join_samples(y + y_offset(0), s.out_channels * out(), s.group_out(), out(), count, scratch_plane);
    return scratch_plane;
  }
};

// Runs fn(block) for each group and each block of samples of [begin, end), with this thread's scratch.
template <typename T, typename Fn>
void for_each_block(const ConvShape& s, int64_t begin, int64_t end, const Fn& fn) {
  const int64_t nb = block_samples(s), out = s.window.out_size();
  T* buffer = s.pointwise() ? nullptr : thread_scratch<T>((s.col_rows() + s.group_out()) * nb * out, "convolution");
  for (int64_t n = begin; n < end; n += nb) {
    const int64_t count = std::min(nb, end - n);
    for (int64_t g = 0; g < s.groups; ++g) {
      fn(SampleBlock<T>{s, n, count, g, buffer, buffer ? buffer + s.col_rows() * count * out : nullptr});
    }
  }
}

}  // namespace

template <typename T>
void conv_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size();
  if (s.full_window()) {  // y (N, K) = x (N, rows) @ w^T, bias added per column
    gemm(false, true, s.batch, s.out_channels, rows, T(1), x, rows, w, rows, T(0), y, s.out_channels);
    for (int64_t n = 0; bias != nullptr && n < s.batch; ++n) {
#pragma omp simd
      for (int64_t k = 0; k < s.out_channels; ++k) y[n * s.out_channels + k] += bias[k];
    }
    return;
  }
  for_batch_parts(s, batch_threads(s), [&](int64_t begin, int64_t end, int64_t) {
    for_each_block<T>(s, begin, end, [&](const SampleBlock<T>& b) {
      const T* col = b.columns(x);  // (rows, width)
      // y_block (K/G, width) = w_g (K/G, rows) @ col, written in place for a single sample
      T* y_block = b.count == 1 ? y + b.y_offset(0) : b.scratch_plane;
      gemm(false, false, kg, b.width(), rows, T(1), w + b.g * kg * rows, rows, col, b.width(), T(0), y_block, b.width());
      if (b.count > 1) split_samples(y_block, kg, out, b.count, y + b.y_offset(0), s.out_channels * out);
    });
    if (bias == nullptr) return;
    for (int64_t n = begin; n < end; ++n) {
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
  const int64_t rows = s.col_rows(), kg = s.group_out();
  if (s.full_window()) {  // gx (N, rows) = gy (N, K) @ w (K, rows)
    return gemm(false, false, s.batch, rows, s.out_channels, T(1), gy, s.out_channels, w, rows, T(0), gx, rows);
  }
  for_batch_parts(s, batch_threads(s), [&](int64_t begin, int64_t end, int64_t) {
    for_each_block<T>(s, begin, end, [&](const SampleBlock<T>& b) {
      // columns (rows, width) = w_g^T (rows, K/G) @ gy_block; pointwise: they are gx itself
      T* col = s.pointwise() ? gx + b.x_offset(0) : b.scratch_cols;
      gemm(true, false, rows, b.width(), kg, T(1), w + b.g * kg * rows, rows, b.output_plane(gy), b.width(), T(0), col,
           b.width());
      if (s.pointwise()) return;
      for (int64_t i = 0; i < b.count; ++i) col2im(col + i * b.out(), b.width(), s.group_in(), s.window, gx + b.x_offset(i));
    });
  });
}

// The weight gradient is gy @ col^T per group, (K/G, rows). OpenBLAS runs a product whose output
// has fewer columns than rows much faster at these shapes (a 64x576 gradient from 1024 positions:
// 57 against 72 GFLOP/s; LeNet's 16x150: 18 against 44), so when rows > K/G each part accumulates
// the transpose col @ gy^T, (rows, K/G), and the parts are transposed into gw once at the end.
template <typename T>
void conv_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw) {
  const int64_t rows = s.col_rows(), kg = s.group_out();
  if (s.full_window()) {  // gw (K, rows) = gy^T (K, N) @ x (N, rows)
    return gemm(true, false, s.out_channels, rows, s.batch, T(1), gy, s.out_channels, x, rows, T(0), gw, rows);
  }
  const int64_t weight_numel = s.out_channels * rows, parts = batch_threads(s);
  const bool transposed = rows > kg;
  // Each part accumulates into its own zeroed (K, rows) sums, or (rows, K/G) per group when transposed;
  // without transposing, part 0 accumulates into gw itself.
  const int64_t own = transposed ? parts : parts - 1;
  std::vector<T> partials(own * weight_numel, T(0));
  if (!transposed) std::fill(gw, gw + weight_numel, T(0));
  for_batch_parts(s, parts, [&](int64_t begin, int64_t end, int64_t part) {
    T* acc = transposed ? partials.data() + part * weight_numel
                        : (part == 0 ? gw : partials.data() + (part - 1) * weight_numel);
    for_each_block<T>(s, begin, end, [&](const SampleBlock<T>& b) {
      const T* col = b.columns(x);  // (rows, width)
      const T* gy_block = b.output_plane(gy);  // (K/G, width)
      T* acc_g = acc + b.g * kg * rows;
      if (transposed) {  // acc_g (rows, K/G) += col @ gy_block^T
        gemm(false, true, rows, kg, b.width(), T(1), col, b.width(), gy_block, b.width(), T(1), acc_g, kg);
      } else {  // acc_g (K/G, rows) += gy_block @ col^T
        gemm(false, true, kg, rows, b.width(), T(1), gy_block, b.width(), col, b.width(), T(1), acc_g, rows);
      }
    });
  });
  if (transposed) {
    for (int64_t g = 0; g < s.groups; ++g) {
      for (int64_t k = 0; k < kg; ++k) {
        T* out = gw + (g * kg + k) * rows;
        for (int64_t r = 0; r < rows; ++r) {
          T sum = T(0);
          for (int64_t p = 0; p < parts; ++p) sum += partials[p * weight_numel + g * kg * rows + r * kg + k];
          out[r] = sum;
        }
      }
    }
    return;
  }
  for (int64_t p = 0; p < own; ++p) {
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
