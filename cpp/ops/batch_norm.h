// batch_norm with PyTorch's semantics: the input (N, C, *) is normalized per channel over the
// batch and every spatial position. Training uses the batch statistics (biased variance) and, when
// running_mean / running_var are given, updates them in place with the unbiased variance:
// running = (1 - momentum) * running + momentum * batch. Evaluation uses the running statistics.
#pragma once

#include "core/tensor.h"

namespace cr {

// weight, bias, running_mean and running_var may be null; when present they are (C,).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps);

}  // namespace cr
