// Special functions of torch (and torch.special): lgamma, digamma, polygamma, erfinv, erfc, elementwise,
// with their derivatives (lgamma' = digamma, digamma' = polygamma(1), polygamma(n)' =
// polygamma(n + 1), erfinv' = sqrt(pi) / 2 exp(erfinv^2), erfc' = -2 / sqrt(pi) exp(-x^2)), recorded so they differentiate again.
// Integer and bool inputs compute in the default float dtype, as PyTorch's.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace cr {

enum class SpecialOp : uint8_t { Lgamma, Polygamma, Erfinv, Erfc };  // digamma is polygamma(0)

Tensor special(SpecialOp op, const Tensor& x, int64_t n = 0);
void special_(SpecialOp op, const Tensor& self, int64_t n = 0);  // in place (lgamma_, digamma_, ...)

}  // namespace cr
