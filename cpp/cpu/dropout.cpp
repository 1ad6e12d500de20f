// The dropout mask kernel declared in cpu/dropout.h: one splitmix64 value (core/counter_rng.h) per
// pair of elements, split into two 32-bit draws, whole pairs in a loop that vectorizes and spread
// over threads for large masks.
#include "cpu/dropout.h"

#include "core/counter_rng.h"
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

// mask[2j], mask[2j + 1] for pairs j in [begin, end): 0 where the 32-bit draw falls below
// `drop_below`, `keep` otherwise. Whole pairs only, so that the loop vectorizes.
template <typename T>
void fill_pairs(T* mask, uint64_t key, uint64_t drop_below, T keep, int64_t begin, int64_t end) {
#pragma omp simd
  for (int64_t j = begin; j < end; ++j) {
    const uint64_t bits = splitmix64(key, static_cast<uint64_t>(j));
    mask[2 * j] = (bits & 0xFFFFFFFFull) < drop_below ? T(0) : keep;
    mask[2 * j + 1] = (bits >> 32) < drop_below ? T(0) : keep;
  }
}

}  // namespace

template <typename T>
void bernoulli_fill(T* mask, int64_t numel, uint64_t key, uint64_t drop_below, T keep) {
  const int64_t pairs = numel / 2;
  auto fill = [&](int64_t b, int64_t e) { fill_pairs(mask, key, drop_below, keep, b, e); };
  if (should_parallelize(numel)) parallel_for(0, pairs, kMinChunk / 2, fill);
  else fill(0, pairs);
  if (numel % 2 == 1) {  // the last element: the low half of pair `pairs`
    const uint64_t low = splitmix64(key, static_cast<uint64_t>(pairs)) & 0xFFFFFFFFull;
    mask[numel - 1] = low < drop_below ? T(0) : keep;
  }
}

template void bernoulli_fill<float>(float*, int64_t, uint64_t, uint64_t, float);
template void bernoulli_fill<double>(double*, int64_t, uint64_t, uint64_t, double);

}  // namespace cr::cpu
