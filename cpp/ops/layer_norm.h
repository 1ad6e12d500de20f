// layer_norm and group_norm with PyTorch's semantics. Both normalize rows of a contiguous view:
// layer_norm one row per leading index over the trailing `normalized_shape` dims, group_norm one
// row per (sample, group) over that group's channels and spatial positions. Biased variance; the
// affine weight and bias are elementwise over normalized_shape (layer_norm) or per channel (group_norm).
#pragma once

#include "core/tensor.h"

namespace cr {

// weight and bias: null or of shape normalized_shape, which must match input's trailing dims.
Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps);
// input is (N, C, *), C divisible by num_groups; weight and bias: null or (C,).
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps);

}  // namespace cr
