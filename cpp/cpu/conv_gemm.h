// The three GEMM-based kernels of a batched, grouped 2-D convolution (im2col + BLAS, Caffe style):
// forward, its input gradient (= transposed convolution) and its weight gradient. They work on
// contiguous float/double buffers; cpp/ops/conv*.cpp validates shapes and records autograd.
#pragma once

#include <cstdint>

#include "cpu/im2col.h"

namespace cr::cpu {

// x is (N, C, H, W), w is (K, C / groups, kh, kw), y is (N, K, OH, OW); group g maps input
// channels [g*C/G, (g+1)*C/G) to output channels [g*K/G, (g+1)*K/G).
struct ConvShape {
  int64_t batch, in_channels, out_channels, groups;
  Window2d window;

  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
  int64_t col_rows() const { return group_in() * window.kernel_size(); }  // one group's im2col rows
  // 1x1, stride 1, no padding: the input plane already is the column matrix.
  bool pointwise() const;
};

// y = conv(x, w) + bias (bias (K,) or null).
template <typename T>
void conv_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y);
// gx (N, C, H, W) = the gradient of <conv(x, w), gy> w.r.t. x: a transposed convolution of gy.
template <typename T>
void conv_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx);
// gw (K, C / groups, kh, kw) = the gradient of <conv(x, w), gy> w.r.t. w, summed over the batch.
template <typename T>
void conv_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw);

}  // namespace cr::cpu
