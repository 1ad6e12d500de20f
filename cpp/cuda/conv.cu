// GEMM-based convolutions on a GPU (cuda/conv.h). The batch runs in chunks whose column matrix
// stays under kMaxColumnElements; each chunk is one im2col kernel (one thread per column entry,
// core/conv_window.h's formula) and one strided-batched cuBLAS product per group:
//   forward      y_n,g (K/G, OH*OW)  = w_g (K/G, rows) @ col_n,g (rows, OH*OW)   (batched over n)
//   input grad   col_n,g             = w_g^T @ gy_n,g, then col2im (one thread per input element)
//   weight grad  gw_g (K/G, rows)   += gy_g (K/G, n*OH*OW) @ col_g^T (n*OH*OW, rows)
// where the weight gradient lays the chunk's samples side by side (gy transposed to (K, n*OH*OW)
// to match), so the sum over the batch is inside one product. A 1x1 convolution at stride 1
// without padding reads its input (forward) and writes its gradient (input grad) as the columns.
// Scratch comes from the caching allocator, so repeated steps allocate nothing from the driver.
#include <algorithm>

#include "core/storage.h"
#include "cuda/conv.h"
#include "cuda/gemm.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

constexpr int64_t kMaxColumnElements = int64_t(1) << 25;  // 128 MiB of float32 columns per chunk

// Where entry (sample, row, position) of a chunk's column matrix lives:
// sample * sample_stride + row * ld + position.
struct ColumnLayout {
  int64_t sample_stride, ld;
};

template <typename T>
struct Im2colEntry {  // one thread per entry of `count` samples' columns
  const T* x;         // the chunk's first sample (C, H, W)
  int64_t x_sample_stride, rows;
  Window2d w;
  ColumnLayout layout;
  T* col;
  __device__ void operator()(int64_t i) const {
    const int64_t out = w.out_size(), position = i % out, row = i / out % rows, sample = i / (out * rows);
    col[sample * layout.sample_stride + row * layout.ld + position] =
        im2col_entry(x + sample * x_sample_stride, w, row, position);
  }
};

template <typename T>
struct Col2imElement {  // one thread per input element of `count` samples, overwritten
  const T* col;
  ColumnLayout layout;
  Window2d w;
  int64_t channels;
  T* x;  // (count, C, H, W)
  __device__ void operator()(int64_t i) const {
    const int64_t at = i % w.width, h = i / w.width % w.height, c = i / w.in_size() % channels;
    const int64_t sample = i / (w.in_size() * channels);
    x[i] = col2im_entry(col + sample * layout.sample_stride, layout.ld, w, c, h, at);
  }
};

template <typename T>
struct AddBias {  // y (N, K, out) += bias (K,)
  T* y;
  const T* bias;
  int64_t channels, out;
  __device__ void operator()(int64_t i) const { y[i] += bias[i / out % channels]; }
};

template <typename T>
struct SamplesSideBySide {  // dst (K, count * out) from src (count, K, out)
  const T* src;
  int64_t count, channels, out;
  T* dst;
  __device__ void operator()(int64_t i) const {
    const int64_t position = i % out, k = i / out % channels, sample = i / (out * channels);
    dst[(k * count + sample) * out + position] = src[i];
  }
};

// Samples per chunk when each takes `per_sample` scratch elements.
int64_t chunk_samples(const ConvShape& s, int64_t per_sample) {
  return std::clamp<int64_t>(kMaxColumnElements / std::max<int64_t>(per_sample, 1), 1, std::max<int64_t>(s.batch, 1));
}

template <typename T>
T* scratch(std::shared_ptr<Storage>& holder, int64_t elements, Device device) {
  holder = Storage::allocate(static_cast<size_t>(std::max<int64_t>(elements, 1)) * sizeof(T), device, "convolution");
  return static_cast<T*>(holder->data());
}

template <typename T>
void launch_im2col(const T* x, const ConvShape& s, int64_t count, ColumnLayout layout, T* col) {
  const int64_t rows = s.in_channels * s.window.kernel_size();
  launch_indexed("convolution", count * rows * s.window.out_size(),
                 Im2colEntry<T>{x, s.in_channels * s.window.in_size(), rows, s.window, layout, col});
}

// The per-sample column matrices (count, C*kh*kw, OH*OW) of chunks of up to `chunk` samples, in
// scratch; a pointwise convolution has none, its input (or input gradient) plane being its column
// matrix, laid out alike.
template <typename T>
struct PerSampleColumns {
  ColumnLayout layout;
  int64_t chunk;
  std::shared_ptr<Storage> holder;
  T* scratch_cols = nullptr;

  PerSampleColumns(const ConvShape& s, Device device) {
    const int64_t out = s.window.out_size(), in = s.window.in_size();
    const int64_t sample_cols = s.in_channels * s.window.kernel_size() * out;
    layout = s.pointwise() ? ColumnLayout{s.in_channels * in, in} : ColumnLayout{sample_cols, out};
    chunk = s.pointwise() ? std::max<int64_t>(s.batch, 1) : chunk_samples(s, sample_cols);
    if (!s.pointwise()) scratch_cols = scratch<T>(holder, chunk * sample_cols, device);
  }
};

template <typename T>
void forward(Device device, const T* x, const T* w, const T* bias, const ConvShape& s, T* y) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  const PerSampleColumns<T> c(s, device);
  for (int64_t n = 0; n < s.batch; n += c.chunk) {
    const int64_t count = std::min(c.chunk, s.batch - n);
    const T* x_chunk = x + n * s.in_channels * in;
    if (!s.pointwise()) launch_im2col(x_chunk, s, count, c.layout, c.scratch_cols);
    const T* columns = s.pointwise() ? x_chunk : c.scratch_cols;
    for (int64_t g = 0; g < s.groups; ++g) {
      gemm_strided_batched<T>("convolution", count, kg, out, rows, {w + g * kg * rows, rows, 0},
                              {columns + g * rows * c.layout.ld, c.layout.ld, c.layout.sample_stride}, T(0),
                              {y + (n * s.out_channels + g * kg) * out, out, s.out_channels * out});
    }
  }
  if (bias != nullptr) {
    launch_indexed("convolution", s.batch * s.out_channels * out, AddBias<T>{y, bias, s.out_channels, out});
  }
}

template <typename T>
void input_grad(Device device, const T* gy, const T* w, const ConvShape& s, T* gx) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  const PerSampleColumns<T> c(s, device);
  for (int64_t n = 0; n < s.batch; n += c.chunk) {
    const int64_t count = std::min(c.chunk, s.batch - n);
    T* x_chunk = gx + n * s.in_channels * in;
    T* columns = s.pointwise() ? x_chunk : c.scratch_cols;
    for (int64_t g = 0; g < s.groups; ++g) {
      gemm_strided_batched<T>("convolution_input_grad", count, rows, out, kg, {w + g * kg * rows, rows, 0, true},
                              {gy + (n * s.out_channels + g * kg) * out, out, s.out_channels * out}, T(0),
                              {columns + g * rows * c.layout.ld, c.layout.ld, c.layout.sample_stride});
    }
    if (!s.pointwise()) {
      launch_indexed("convolution_input_grad", count * s.in_channels * in,
                     Col2imElement<T>{c.scratch_cols, c.layout, s.window, s.in_channels, x_chunk});
    }
  }
}

template <typename T>
void weight_grad(Device device, const T* x, const T* gy, const ConvShape& s, T* gw) {
  const int64_t rows = s.col_rows(), kg = s.group_out(), out = s.window.out_size(), in = s.window.in_size();
  const int64_t sample_cols = s.in_channels * s.window.kernel_size() * out, sample_gy = s.out_channels * out;
  const int64_t chunk = chunk_samples(s, sample_cols + sample_gy);
  std::shared_ptr<Storage> holder;
  T* col = scratch<T>(holder, chunk * (sample_cols + sample_gy), device);
  T* gy_side = col + chunk * sample_cols;  // (K, count * out)
  if (s.batch == 0) {  // no samples: the gradient is zero
    const cudaError_t status = cudaMemsetAsync(gw, 0, sizeof(T) * s.out_channels * rows);
    CR_CHECK(status == cudaSuccess, RuntimeError, "convolution_weight_grad: cudaMemsetAsync failed: ",
             cudaGetErrorString(status));
  }
  for (int64_t n = 0; n < s.batch; n += chunk) {
    const int64_t count = std::min(chunk, s.batch - n), width = count * out;
    launch_im2col(x + n * s.in_channels * in, s, count, ColumnLayout{out, width}, col);  // (C*kh*kw, width)
    launch_indexed("convolution_weight_grad", count * sample_gy,
                   SamplesSideBySide<T>{gy + n * sample_gy, count, s.out_channels, out, gy_side});
    for (int64_t g = 0; g < s.groups; ++g) {
      gemm_strided_batched<T>("convolution_weight_grad", 1, kg, rows, width, {gy_side + g * kg * width, width, 0},
                              {col + g * rows * width, width, 0, true}, n == 0 ? T(0) : T(1),
                              {gw + g * kg * rows, rows, 0});
    }
  }
}

}  // namespace

void conv_forward(DType dtype, Device device, const void* x, const void* w, const void* bias, const ConvShape& s,
                  void* y) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    forward<T>(device, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), s,
               static_cast<T*>(y));
  });
}

void conv_input_grad(DType dtype, Device device, const void* gy, const void* w, const ConvShape& s, void* gx) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    input_grad<T>(device, static_cast<const T*>(gy), static_cast<const T*>(w), s, static_cast<T*>(gx));
  });
}

void conv_weight_grad(DType dtype, Device device, const void* x, const void* gy, const ConvShape& s, void* gw) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    weight_grad<T>(device, static_cast<const T*>(x), static_cast<const T*>(gy), s, static_cast<T*>(gw));
  });
}

}  // namespace cr::cuda
