// The geometry of a 2-D convolution as its im2col kernels see it on either device (Window2d,
// ConvShape), and the per-entry formulas of im2col and col2im that the GPU's kernels run one
// thread per entry (the CPU's kernels in cpu/im2col.cpp walk whole rows instead; the host tests
// check that both agree). 1-D convolutions use them with height 1.
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

// Geometry of one sliding window over an (H, W) plane: the kernel (kh, kw) moves by `stride`,
// its taps are `dilation` apart, and the plane is zero-padded by `pad` before the first row/column.
// The padding after the last row/column is whatever out_h/out_w imply (it may be asymmetric, as
// for padding='same', or even negative, when trailing input is never visited).
struct Window2d {
  int64_t height, width;          // input plane (H, W)
  int64_t out_height, out_width;  // output positions (OH, OW)
  int64_t kernel_h, kernel_w;
  int64_t stride_h, stride_w;
  int64_t pad_h, pad_w;
  int64_t dilation_h, dilation_w;

  CR_FORMULA int64_t kernel_size() const { return kernel_h * kernel_w; }
  CR_FORMULA int64_t out_size() const { return out_height * out_width; }
  CR_FORMULA int64_t in_size() const { return height * width; }
};

// x is (N, C, H, W), w is (K, C / groups, kh, kw), y is (N, K, OH, OW); group g maps input
// channels [g*C/G, (g+1)*C/G) to output channels [g*K/G, (g+1)*K/G).
struct ConvShape {
  int64_t batch, in_channels, out_channels, groups;
  Window2d window;

  CR_FORMULA int64_t group_in() const { return in_channels / groups; }
  CR_FORMULA int64_t group_out() const { return out_channels / groups; }
  CR_FORMULA int64_t col_rows() const { return group_in() * window.kernel_size(); }  // one group's im2col rows
  // 1x1, stride 1, no padding: the input plane already is the column matrix.
  bool pointwise() const {
    const Window2d& w = window;
    return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 && w.pad_h == 0 &&
           w.pad_w == 0 && w.out_height == w.height && w.out_width == w.width;
  }
  // One group whose kernel covers the whole unpadded input once (a 1x1 output, as in a DCGAN critic's
  // last layer, or the 1x1 -> 4x4 transposed convolution that starts its generator): a fully
  // connected layer, y (N, K) = x (N, C*H*W) @ w (K, C*H*W)^T, with no column matrix to build.
  bool full_window() const {
    const Window2d& w = window;
    return groups == 1 && w.kernel_h == w.height && w.kernel_w == w.width && w.pad_h == 0 && w.pad_w == 0 &&
           w.dilation_h == 1 && w.dilation_w == 1 && w.out_size() == 1;
  }
};

// Entry (row, position) of one sample's column matrix: row = (c * kh + i) * kw + j is channel c's
// tap (i, j), position = oh * OW + ow; the input x (C, H, W) under that tap, 0 in the padding.
template <typename T>
CR_FORMULA T im2col_entry(const T* x, const Window2d& w, int64_t row, int64_t position) {
  const int64_t j = row % w.kernel_w, i = row / w.kernel_w % w.kernel_h, c = row / w.kernel_size();
  const int64_t oh = position / w.out_width, ow = position % w.out_width;
  const int64_t h = oh * w.stride_h - w.pad_h + i * w.dilation_h;
  const int64_t x_ = ow * w.stride_w - w.pad_w + j * w.dilation_w;
  if (h < 0 || h >= w.height || x_ < 0 || x_ >= w.width) return T(0);
  return x[(c * w.height + h) * w.width + x_];
}

// The output position along one axis whose tap `tap` reads input coordinate `at`, or -1 if none.
CR_FORMULA int64_t tap_output(int64_t at, int64_t tap, int64_t stride, int64_t pad, int64_t dilation, int64_t out) {
  const int64_t shifted = at + pad - tap * dilation;
  if (shifted < 0 || shifted % stride != 0) return -1;
  return shifted / stride < out ? shifted / stride : -1;
}

// Element (c, h, x) of col2im of one sample's column matrix col (C*kh*kw rows, col_ld apart): the
// sum of the column entries im2col read from that input element, in tap order.
template <typename T>
CR_FORMULA T col2im_entry(const T* col, int64_t col_ld, const Window2d& w, int64_t c, int64_t h, int64_t x) {
  T sum = T(0);
  for (int64_t i = 0; i < w.kernel_h; ++i) {
    const int64_t oh = tap_output(h, i, w.stride_h, w.pad_h, w.dilation_h, w.out_height);
    if (oh < 0) continue;
    for (int64_t j = 0; j < w.kernel_w; ++j) {
      const int64_t ow = tap_output(x, j, w.stride_w, w.pad_w, w.dilation_w, w.out_width);
      if (ow >= 0) sum += col[((c * w.kernel_h + i) * w.kernel_w + j) * col_ld + oh * w.out_width + ow];
    }
  }
  return sum;
}

}  // namespace cr
