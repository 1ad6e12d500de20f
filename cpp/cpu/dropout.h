// The dropout mask kernel: fills a buffer with 0 or a keep value from a counter-based stream, so
// that the draw of element i depends only on the stream's key and i. cpp/ops/dropout.cpp checks the
// arguments, draws the key from the global generator, allocates the mask and multiplies; this only
// fills.
#pragma once

#include <cstdint>

namespace cr::cpu {

// mask (numel) <- 0 where the 32-bit draw of element i falls below drop_below, keep otherwise.
// Element i takes the low (even i) or high (odd i) half of splitmix64(key + (i / 2 + 1) * golden).
template <typename T>
void bernoulli_fill(T* mask, int64_t numel, uint64_t key, uint64_t drop_below, T keep);

}  // namespace cr::cpu
