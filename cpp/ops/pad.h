// Padding with PyTorch's semantics (F.pad). `pad` lists (left, right) pairs starting from the
// last dim: (l, r) pads dim -1, (l, r, t, b) pads dims -1 and -2. Constant padding takes any
// number of dims and negative entries crop; reflect, replicate and circular pad the last 1 dim
// (2-d or 3-d inputs) or the last 2 dims (3-d or 4-d inputs).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/scalar.h"
#include "core/tensor.h"

namespace cr {

Tensor constant_pad_nd(const Tensor& x, const std::vector<int64_t>& pad, const Scalar& value);
// mode: "constant", "reflect", "replicate" or "circular"; value only with "constant" (default 0).
Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode,
           std::optional<Scalar> value = std::nullopt);

}  // namespace cr
