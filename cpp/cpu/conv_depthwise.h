// Direct kernels of a depthwise 2-D convolution (groups == in_channels > 1, each input channel
// feeding out_channels / in_channels outputs): forward, input gradient and weight gradient without
// im2col: each tap is a strided run over a zero-padded copy of the plane (at stride 1 one
// contiguous, vectorised loop over the whole plane), and (sample, channel) planes run in parallel.
// They work on contiguous float/double buffers; cpp/ops/conv_primitives.cpp validates shapes,
// records autograd and picks them through depthwise_suits.
#pragma once

#include "core/conv_window.h"  // ConvShape

namespace cr::cpu {

// True for the shapes these kernels cover: one input channel per group, more than one group.
bool depthwise_suits(const ConvShape& s);

// y (N, K, OH, OW) = conv(x, w) + bias (bias (K,) or null).
template <typename T>
void depthwise_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y);
// gx (N, C, H, W) = the gradient of <conv(x, w), gy> w.r.t. x.
template <typename T>
void depthwise_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx);
// gw (K, 1, kh, kw) = the gradient of <conv(x, w), gy> w.r.t. w, summed over the batch.
template <typename T>
void depthwise_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw);

}  // namespace cr::cpu
