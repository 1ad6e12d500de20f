// Cooperative kernels where one block of kLaunchThreads threads handles one item (a channel, a
// row): launch_per_block runs f(item) on every thread of a block, and block_sum adds one double
// per thread across the block, the sum reaching every thread. Shared by the normalization kernels.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda/strided_launch.cuh"

namespace cr::cuda {

// The sum of v over the block's threads, returned to each of them. Every thread must call it.
__device__ inline double block_sum(double v) {
  __shared__ double partial[kLaunchThreads];
  partial[threadIdx.x] = v;
  __syncthreads();
  for (int step = kLaunchThreads / 2; step > 0; step >>= 1) {
    if (threadIdx.x < step) partial[threadIdx.x] += partial[threadIdx.x + step];
    __syncthreads();
  }
  const double total = partial[0];
  __syncthreads();  // every thread has read it before a next call overwrites it
  return total;
}

template <typename F>
__global__ void for_each_item(int64_t items, F f) {
  for (int64_t item = blockIdx.x; item < items; item += gridDim.x) f(item);  // uniform across the block
}

// Runs f(item) for item in [0, items), one block of kLaunchThreads threads per item.
template <typename F>
void launch_per_block(const char* op, int64_t items, const F& f) {
  if (items <= 0) return;
  for_each_item<F><<<static_cast<int>(std::min<int64_t>(items, 65535)), kLaunchThreads>>>(items, f);
  check_launch(op);
}

}  // namespace cr::cuda
