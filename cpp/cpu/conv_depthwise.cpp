// Direct depthwise convolution kernels (see conv_depthwise.h). Each input plane is first copied
// into a zero-padded buffer holding every row and column the kernel visits, starting at
// (-pad_h, -pad_w), so tap (i, j) of output row oh reads a plain strided run of it with no bounds
// checks. Products with the padding's zeros are made or dropped as im2col + GEMM makes or drops
// them (the forward pass and the weight gradient include them, the input gradient drops them), so
// NaN and infinities land where they do on that path and in PyTorch.
//
// At stride 1 each tap is one contiguous, vectorised loop over a "wide" output: OH rows of the
// padded width, whose columns past OW hold sums that are thrown away (forward) or zeros (output
// gradients). Those extra columns multiply zeros by a weight (input gradient) or padded-buffer
// entries by zeros (weight gradient), so a non-finite weight or input plane runs row by row instead.
#include "cpu/conv_depthwise.h"

#include <algorithm>

#include "cpu/parallel.h"
#include "cpu/scratch.h"

namespace cr::cpu {

namespace {

// The padded buffer of a window's input plane, and the wide output plane of stride 1.
struct PaddedLayout {
  int64_t rows, cols;   // rows and columns the kernel visits
  int64_t padded_size;  // rows * cols plus the tail the wide rows' extra columns read into
  int64_t wide_size;    // OH * cols
  bool wide;            // stride 1 both ways: taps run over the wide plane

  explicit PaddedLayout(const Window2d& w)
      : rows((w.out_height - 1) * w.stride_h + (w.kernel_h - 1) * w.dilation_h + 1),
        cols((w.out_width - 1) * w.stride_w + (w.kernel_w - 1) * w.dilation_w + 1),
        padded_size(rows * cols + (w.kernel_w - 1) * w.dilation_w),
        wide_size(w.out_height * cols),
        wide(w.stride_h == 1 && w.stride_w == 1) {}

  // Where tap (i, j) of output (oh, 0) reads in the padded buffer.
  int64_t tap_offset(const Window2d& w, int64_t oh, int64_t i, int64_t j) const {
    return (oh * w.stride_h + i * w.dilation_h) * cols + j * w.dilation_w;
  }
  // Scratch for one thread: the padded buffer, then the wide plane.
  int64_t scratch_size() const { return padded_size + wide_size; }
};

// The input columns [0, count) that land inside the padded buffer.
int64_t padded_columns(const Window2d& w, const PaddedLayout& l) {
  return std::clamp<int64_t>(l.cols - w.pad_w, 0, w.width);
}

// padded = the plane x (H, W) placed at (pad_h, pad_w), zeros around.
template <typename T>
void load_padded(const T* x, const Window2d& w, const PaddedLayout& l, T* padded) {
  std::fill(padded, padded + l.padded_size, T(0));
  const int64_t count = padded_columns(w, l);
  for (int64_t h = 0; h < w.height && h + w.pad_h < l.rows; ++h)
    std::copy_n(x + h * w.width, count, padded + (h + w.pad_h) * l.cols + w.pad_w);
}

// x (H, W) = the padded buffer's entries at (pad_h, pad_w), 0 where the kernel never reached.
template <typename T>
void store_unpadded(const T* padded, const Window2d& w, const PaddedLayout& l, T* x) {
  const int64_t count = padded_columns(w, l);
  for (int64_t h = 0; h < w.height; ++h) {
    T* row = x + h * w.width;
    const bool reached = h + w.pad_h < l.rows;
    if (reached) std::copy_n(padded + (h + w.pad_h) * l.cols + w.pad_w, count, row);
    std::fill(row + (reached ? count : 0), row + w.width, T(0));
  }
}

// wide (OH, cols) = an output-shaped plane (OH, OW) with zeros in the extra columns.
template <typename T>
void load_wide(const T* y, const Window2d& w, const PaddedLayout& l, T* wide) {
  for (int64_t oh = 0; oh < w.out_height; ++oh) {
    std::copy_n(y + oh * w.out_width, w.out_width, wide + oh * l.cols);
    std::fill(wide + oh * l.cols + w.out_width, wide + (oh + 1) * l.cols, T(0));
  }
}

// True when no entry is NaN or infinite (x - x is NaN exactly for those).
template <typename T>
bool all_finite(const T* x, int64_t n) {
  T probe = T(0);
#pragma omp simd reduction(+ : probe)
  for (int64_t i = 0; i < n; ++i) probe += x[i] - x[i];
  return probe == T(0);
}

// dst[o] += a * src[o * stride], o < count.
template <typename T>
void gather_axpy(T a, const T* __restrict src, int64_t stride, int64_t count, T* __restrict dst) {
  if (stride == 1) {
#pragma omp simd
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o];
  } else {
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o * stride];
  }
}

// dst[o * stride] += a * src[o], o < count (distinct o write distinct entries).
template <typename T>
void scatter_axpy(T a, const T* __restrict src, int64_t count, int64_t stride, T* __restrict dst) {
  if (stride == 1) {
#pragma omp simd
    for (int64_t o = 0; o < count; ++o) dst[o] += a * src[o];
  } else {
    for (int64_t o = 0; o < count; ++o) dst[o * stride] += a * src[o];
  }
}

// The sum of a[o * stride] * b[o], o < count.
template <typename T>
T strided_dot(const T* __restrict a, int64_t stride, const T* __restrict b, int64_t count) {
  T sum = T(0);
  if (stride == 1) {
#pragma omp simd reduction(+ : sum)
    for (int64_t o = 0; o < count; ++o) sum += a[o] * b[o];
  } else {
    for (int64_t o = 0; o < count; ++o) sum += a[o * stride] * b[o];
  }
  return sum;
}

// fn(begin, end, scratch) over [0, items) in parallel chunks worth at least kMinChunk
// multiply-adds, each item costing `item_work`; scratch is the thread's buffer of `scratch_size`
// (run_parts: an allocation failing in a chunk is rethrown here).
template <typename T, typename Fn>
void for_planes(int64_t items, int64_t item_work, int64_t scratch_size, const Fn& fn) {
  const int64_t grain = std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, item_work));
  const int64_t chunks =
      should_parallelize(items * item_work) ? std::min<int64_t>(get_num_threads(), items / grain) : 1;
  const auto run = [&](int64_t begin, int64_t end) {
    fn(begin, end, thread_scratch<T>(scratch_size, "depthwise convolution"));
  };
  if (chunks <= 1) return run(0, items);
  run_parts(chunks, [&](int64_t c) { run(items * c / chunks, items * (c + 1) / chunks); });
}

int64_t plane_work(const ConvShape& s) { return s.window.out_size() * s.window.kernel_size(); }

}  // namespace

bool depthwise_suits(const ConvShape& s) {
  if (s.groups <= 1 || s.group_in() != 1) return false;
  // The padded plane holds every row and column the kernel visits. Where a huge stride, dilation or
  // padding makes it far larger than the input and output planes, im2col (which pads no buffer)
  // takes the convolution. In doubles: rows * cols may pass int64 there.
  const Window2d& w = s.window;
  const double rows = double(w.out_height - 1) * double(w.stride_h) + double(w.kernel_h - 1) * double(w.dilation_h) + 1;
  const double cols = double(w.out_width - 1) * double(w.stride_w) + double(w.kernel_w - 1) * double(w.dilation_w) + 1;
  return rows * cols <= 4.0 * double(w.in_size() + w.out_size()) + 4096.0;
}

template <typename T>
void depthwise_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y) {
  const Window2d& win = s.window;
  const int64_t multiplier = s.group_out(), taps = win.kernel_size(), ow = win.out_width;
  const PaddedLayout l(win);
  for_planes<T>(s.batch * s.out_channels, plane_work(s), l.scratch_size(), [&](int64_t begin, int64_t end, T* padded) {
    T* wide = padded + l.padded_size;
    for (int64_t plane = begin; plane < end; ++plane) {  // plane = n * K + k
      const int64_t k = plane % s.out_channels, n = plane / s.out_channels;
      const T* w_k = w + k * taps;
      T* y_plane = y + plane * win.out_size();
      load_padded(x + (n * s.in_channels + k / multiplier) * win.in_size(), win, l, padded);
      if (l.wide) {
        std::fill(wide, wide + l.wide_size, bias ? bias[k] : T(0));
        for (int64_t i = 0; i < win.kernel_h; ++i)
          for (int64_t j = 0; j < win.kernel_w; ++j)
            gather_axpy(w_k[i * win.kernel_w + j], padded + l.tap_offset(win, 0, i, j), 1, l.wide_size, wide);
        for (int64_t oh = 0; oh < win.out_height; ++oh) std::copy_n(wide + oh * l.cols, ow, y_plane + oh * ow);
        continue;
      }
      std::fill(y_plane, y_plane + win.out_size(), bias ? bias[k] : T(0));
      for (int64_t oh = 0; oh < win.out_height; ++oh)
        for (int64_t i = 0; i < win.kernel_h; ++i)
          for (int64_t j = 0; j < win.kernel_w; ++j)
            gather_axpy(w_k[i * win.kernel_w + j], padded + l.tap_offset(win, oh, i, j), win.stride_w, ow,
                        y_plane + oh * ow);
    }
  });
}

template <typename T>
void depthwise_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx) {
  const Window2d& win = s.window;
  const int64_t multiplier = s.group_out(), taps = win.kernel_size(), ow = win.out_width;
  const PaddedLayout l(win);
  const int64_t work = multiplier * plane_work(s);
  for_planes<T>(s.batch * s.in_channels, work, l.scratch_size(), [&](int64_t begin, int64_t end, T* padded) {
    T* wide = padded + l.padded_size;
    for (int64_t plane = begin; plane < end; ++plane) {  // plane = n * C + c
      const int64_t c = plane % s.in_channels, n = plane / s.in_channels;
      std::fill(padded, padded + l.padded_size, T(0));
      for (int64_t k = c * multiplier; k < (c + 1) * multiplier; ++k) {
        const T* gy_plane = gy + (n * s.out_channels + k) * win.out_size();
        const T* w_k = w + k * taps;
        if (l.wide && all_finite(w_k, taps)) {
          load_wide(gy_plane, win, l, wide);
          for (int64_t i = 0; i < win.kernel_h; ++i)
            for (int64_t j = 0; j < win.kernel_w; ++j)
              scatter_axpy(w_k[i * win.kernel_w + j], wide, l.wide_size, 1, padded + l.tap_offset(win, 0, i, j));
          continue;
        }
        for (int64_t oh = 0; oh < win.out_height; ++oh)
          for (int64_t i = 0; i < win.kernel_h; ++i)
            for (int64_t j = 0; j < win.kernel_w; ++j)
              scatter_axpy(w_k[i * win.kernel_w + j], gy_plane + oh * ow, ow, win.stride_w,
                           padded + l.tap_offset(win, oh, i, j));
      }
      store_unpadded(padded, win, l, gx + plane * win.in_size());
    }
  });
}

// Parallel over output channels (each owns its kh*kw sums), the batch summed inside.
template <typename T>
void depthwise_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw) {
  const Window2d& win = s.window;
  const int64_t multiplier = s.group_out(), taps = win.kernel_size(), ow = win.out_width;
  const PaddedLayout l(win);
  for_planes<T>(s.out_channels, s.batch * plane_work(s), l.scratch_size(), [&](int64_t begin, int64_t end, T* padded) {
    T* wide = padded + l.padded_size;
    for (int64_t k = begin; k < end; ++k) {
      T* gw_k = gw + k * taps;
      std::fill(gw_k, gw_k + taps, T(0));
      for (int64_t n = 0; n < s.batch; ++n) {
        const T* gy_plane = gy + (n * s.out_channels + k) * win.out_size();
        load_padded(x + (n * s.in_channels + k / multiplier) * win.in_size(), win, l, padded);
        if (l.wide && all_finite(padded, l.padded_size)) {
          load_wide(gy_plane, win, l, wide);
          for (int64_t i = 0; i < win.kernel_h; ++i)
            for (int64_t j = 0; j < win.kernel_w; ++j)
              gw_k[i * win.kernel_w + j] += strided_dot(padded + l.tap_offset(win, 0, i, j), 1, wide, l.wide_size);
          continue;
        }
        for (int64_t oh = 0; oh < win.out_height; ++oh)
          for (int64_t i = 0; i < win.kernel_h; ++i)
            for (int64_t j = 0; j < win.kernel_w; ++j)
              gw_k[i * win.kernel_w + j] +=
                  strided_dot(padded + l.tap_offset(win, oh, i, j), win.stride_w, gy_plane + oh * ow, ow);
      }
    }
  });
}

#define CR_CONV_DEPTHWISE_INSTANTIATE(T)                                                   \
  template void depthwise_forward<T>(const T*, const T*, const T*, const ConvShape&, T*); \
  template void depthwise_input_grad<T>(const T*, const T*, const ConvShape&, T*);         \
  template void depthwise_weight_grad<T>(const T*, const T*, const ConvShape&, T*);
CR_CONV_DEPTHWISE_INSTANTIATE(float)
CR_CONV_DEPTHWISE_INSTANTIATE(double)
#undef CR_CONV_DEPTHWISE_INSTANTIATE

}  // namespace cr::cpu
