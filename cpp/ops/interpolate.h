// Resampling with PyTorch's coordinate rules (F.interpolate's kernels): nearest over the last 1
// or 2 dims, linear (1-d) and bilinear (2-d) with or without align_corners. `output_size` has one
// entry per spatial dim; `scales`, when given (the user's scale_factor), replaces in/out by
// 1/scale in the source-index computation, as in PyTorch. Inputs are (N, C, L) or (N, C, H, W).
#pragma once

#include <optional>
#include <vector>

#include "core/tensor.h"

namespace cr {

using ScaleList = std::optional<std::vector<double>>;

Tensor upsample_nearest(const Tensor& x, const std::vector<int64_t>& output_size, const ScaleList& scales);
// linear for 3-d inputs, bilinear for 4-d inputs.
Tensor upsample_linear(const Tensor& x, const std::vector<int64_t>& output_size, bool align_corners,
                       const ScaleList& scales);

}  // namespace cr
