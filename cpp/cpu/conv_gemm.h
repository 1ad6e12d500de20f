// The three GEMM-based kernels of a batched, grouped 2-D convolution (im2col + BLAS, Caffe style):
// forward, its input gradient (= transposed convolution) and its weight gradient. They work on
// contiguous float/double buffers; cpp/ops/conv*.cpp validates shapes and records autograd.
#pragma once

#include <cstdint>

#include "core/conv_window.h"  // ConvShape
#include "cpu/im2col.h"

namespace cr::cpu {

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
