// softmax and log_softmax along one dim, each one fused, numerically stable kernel (the max is
// subtracted before exponentiating). Floating tensors only; `dtype` converts the input first.
#pragma once

#include <optional>

#include "core/tensor.h"

namespace cr {

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);
Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype = std::nullopt);

}  // namespace cr
