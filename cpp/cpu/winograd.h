// Winograd F(2x2, 3x3) kernels for 3x3, stride-1, undilated convolutions (Lavin & Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2015): the forward pass, its input gradient and
// its weight gradient, with the same contracts as the im2col kernels of conv_gemm.h. They do 16
// multiplies per 2x2 output tile and channel pair where im2col does 36.
#pragma once

#include "cpu/conv_gemm.h"

namespace cr::cpu {

// Whether the Winograd kernels take this convolution (all three passes): a 3x3 kernel at stride 1
// without dilation, at least 128 tiles in the batch, and input channels that are not few beside
// the output channels (see winograd.cpp for the measurements behind the rule).
bool winograd_suits(const ConvShape& s);

// The contracts of conv_forward, conv_input_grad and conv_weight_grad, for shapes where
// winograd_suits(s). A call whose result has a NaN is redone by the im2col kernel, so NaN and
// infinities come out where the direct sum puts them (winograd.cpp says why).
template <typename T>
void winograd_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y);
template <typename T>
void winograd_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx);
template <typename T>
void winograd_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw);

}  // namespace cr::cpu
