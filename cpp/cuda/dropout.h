// The dropout mask kernel on a GPU, with the CPU's contract (cpu/dropout.h) and stream
// (core/counter_rng.h): mask[i] is 0 where element i's 32-bit draw falls below drop_below, else
// keep; element i takes the low (even i) or high (odd i) half of draw i / 2. Same key, same mask
// as on the CPU.
#pragma once

#include <cstdint>

namespace cr::cuda {

template <typename T>
void bernoulli_fill(T* mask, int64_t numel, uint64_t key, uint64_t drop_below, T keep);

}  // namespace cr::cuda
