// The dropout mask kernel on a GPU: element i of the mask is 0 where draw i of the stream (reserved
// from the GPU's CUDA generator, core/cuda_generator.h) says drop (bernoulli_draw with probability
// p, core/counter_rng.h), else keep. So a seed (chainrule.cuda.manual_seed) fixes the GPU's masks,
// and GPU dropout never advances the CPU's generator.
#pragma once

#include <cstdint>

#include "core/counter_rng.h"

namespace cr::cuda {

template <typename T>
void bernoulli_fill(T* mask, int64_t numel, const CounterStream& stream, double p, T keep);

}  // namespace cr::cuda
