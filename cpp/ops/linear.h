// nn.functional.linear as one op: y = x W^T + b with the bias loaded into the GEMM's output, and a
// backward that forms each gradient directly in its parameter's layout (dW = dy^T x is (out, in)
// like W, so the optimizer's .grad needs no transposed copy).
#pragma once

#include "core/tensor.h"

namespace cr {

// x (*, in), weight (out, in), bias (out,) or null -> (*, out). Floating dtypes, all alike.
// Differentiable twice (recorded ops under create_graph).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

}  // namespace cr
