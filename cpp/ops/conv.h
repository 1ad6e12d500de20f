// Convolutions with PyTorch's semantics (layouts NCHW / NCL, weight (out, in / groups, kh, kw),
// transposed weight (in, out / groups, kh, kw); unbatched inputs accepted), float32 and float64,
// differentiable to any order. Every op reduces to three batched 2-D primitives that are closed
// under differentiation (conv_primitives.cpp): convolution, its input gradient (the transposed
// convolution) and its weight gradient. 1-D ops run them with height 1.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"

namespace cr {

// Explicit zero padding per spatial dim, or padding='same' (output size = input size, stride 1;
// an odd total goes one more to the right/bottom, as in PyTorch). 'valid' is explicit zeros.
struct ConvPadding {
  bool same = false;
  std::vector<int64_t> values;  // one per spatial dim when !same
};

// Per-dim options are given one value per spatial dim (the Python layer expands ints).
// bias may be null.
Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const std::vector<int64_t>& stride,
              const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups);
// Which kernel conv2d runs for these arguments (validated as conv2d does): "depthwise" (groups ==
// in_channels > 1, see cpu/conv_depthwise.h), "winograd" (3x3, stride 1, see cpu/winograd.h),
// "gemm" (1x1 stride-1 unpadded: a plain GEMM) or "im2col".
std::string conv2d_algorithm(const Tensor& input, const Tensor& weight, const std::vector<int64_t>& stride,
                             const ConvPadding& padding, const std::vector<int64_t>& dilation, int64_t groups);
Tensor conv_transpose1d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation);
Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias,
                        const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
                        const std::vector<int64_t>& output_padding, int64_t groups,
                        const std::vector<int64_t>& dilation);

// The primitives, on 4-D tensors. A geometry fixes everything but the batch and channel counts:
// the conv's input plane (H, W), its output plane (OH, OW), kernel, stride, leading padding,
// dilation and groups (the trailing padding is implied by the sizes).
struct ConvGeometry {
  int64_t in[2], out[2], kernel[2], stride[2], pad[2], dilation[2];
  int64_t groups;
};
// x (N, C, H, W), w (K, C / G, kh, kw), bias (K,) or null -> (N, K, OH, OW).
Tensor convolution(const Tensor& x, const Tensor& w, const Tensor& bias, const ConvGeometry& geo);
// gy (N, K, OH, OW), w (K, C / G, kh, kw), bias (C,) or null -> (N, C, H, W): the gradient of
// <convolution(x, w), gy> w.r.t. x (+ bias), i.e. the transposed convolution of gy by w.
Tensor convolution_input_grad(const Tensor& gy, const Tensor& w, const Tensor& bias, const ConvGeometry& geo);
// x (N, C, H, W), gy (N, K, OH, OW) -> (K, C / G, kh, kw): the gradient of <convolution(x, w), gy>
// w.r.t. w, summed over the batch.
Tensor convolution_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& geo);
// The kernel all three primitives run for this geometry and channel counts (conv2d_algorithm).
const char* convolution_algorithm(int64_t batch, int64_t in_channels, int64_t out_channels, const ConvGeometry& geo);

}  // namespace cr
