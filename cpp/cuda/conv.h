// Convolutions on a GPU: the contract of cpu/conv_gemm.h (forward, input gradient, weight
// gradient of a batched, grouped 2-D convolution) on contiguous device buffers of `dtype` (float32
// or float64) on `device`, by im2col + cuBLAS. cpp/ops/conv_primitives.cpp validates the shapes,
// dispatches and records autograd.
#pragma once

#include "core/conv_window.h"
#include "core/device.h"
#include "core/dtype.h"

namespace cr::cuda {

// y (N, K, OH, OW) = conv(x, w) + bias (bias (K,) or null).
void conv_forward(DType dtype, Device device, const void* x, const void* w, const void* bias, const ConvShape& s,
                  void* y);
// gx (N, C, H, W) = the gradient of <conv(x, w), gy> w.r.t. x.
void conv_input_grad(DType dtype, Device device, const void* gy, const void* w, const ConvShape& s, void* gx);
// gw (K, C / groups, kh, kw) = the gradient of <conv(x, w), gy> w.r.t. w, summed over the batch.
void conv_weight_grad(DType dtype, Device device, const void* x, const void* gy, const ConvShape& s, void* gw);

}  // namespace cr::cuda
