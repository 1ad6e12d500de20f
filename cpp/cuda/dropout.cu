// Dropout masks on a GPU (cuda/dropout.h): one thread per element, each computing its half of its
// pair's splitmix64 draw.
#include <cuda_runtime.h>

#include <algorithm>

#include "core/counter_rng.h"
#include "core/error.h"
#include "cuda/dropout.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
__global__ void fill_mask(T* mask, int64_t numel, uint64_t key, uint64_t drop_below, T keep) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < numel;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const uint64_t bits = splitmix64(key, static_cast<uint64_t>(i / 2));
    const uint64_t draw = (i % 2 == 0) ? (bits & 0xFFFFFFFFull) : (bits >> 32);
    mask[i] = draw < drop_below ? T(0) : keep;
  }
}

}  // namespace

template <typename T>
void bernoulli_fill(T* mask, int64_t numel, uint64_t key, uint64_t drop_below, T keep) {
  if (numel == 0) return;
  fill_mask<T><<<launch_blocks(numel), kLaunchThreads>>>(mask, numel, key, drop_below, keep);
  check_launch("dropout");
}

template void bernoulli_fill<float>(float*, int64_t, uint64_t, uint64_t, float);
template void bernoulli_fill<double>(double*, int64_t, uint64_t, uint64_t, double);

}  // namespace cr::cuda
