// Random sampling ops with PyTorch semantics: randperm (a random permutation) and multinomial
// (category indices drawn from rows of weights). Both draw from the generator they are given:
// Generator::global() (chainrule.manual_seed) or a private one seeded for a chainrule.Generator;
// for a GPU tensor, from a host generator seeded by the CUDA generator (core/cuda_generator.h).
#pragma once

#include "core/random.h"
#include "core/tensor.h"

namespace cr {

// 0, ..., n - 1 in random order (Fisher-Yates), as dtype.
Tensor randperm(int64_t n, DType dtype, Device device, Generator& gen);
// For each row of weights (1-d: one row; 2-d: rows), num_samples category indices (int64) drawn
// with probability proportional to the weights; without replacement each row's draws are distinct
// (categories of weight 0 come last, in random order, once the others are used up).
Tensor multinomial(const Tensor& weights, int64_t num_samples, bool replacement, Generator& gen);

}  // namespace cr
