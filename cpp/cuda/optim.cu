// SGD and Adam on a GPU (cuda/optim.h), multi-tensor as PyTorch's multi_tensor_apply: the slices go
// kTensorsPerLaunch at a time into a struct passed by value to one launch, whose threads stride
// over the elements of all of them and find their slice by binary search over the running sizes.
// One kernel per combination of options (with_flags), calling the CPU's element formulas.
#include <cuda_runtime.h>

#include <algorithm>

#include "core/error.h"
#include "core/optim_formulas.h"
#include "cuda/optim.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

// 48 slices keep a launch's arguments (Adam's: 48 x 64 bytes) under the 4 KB every GPU accepts.
constexpr int kTensorsPerLaunch = 48;

// Up to kTensorsPerLaunch slices; element j of the launch is element j - start[t] of slice t.
template <typename Slice>
struct SliceBatch {
  Slice slice[kTensorsPerLaunch];
  int64_t start[kTensorsPerLaunch + 1];
  int count;

  __device__ int find(int64_t j) const {  // the slice holding launch element j
    int lo = 0, hi = count - 1;
    while (lo < hi) {
      const int mid = (lo + hi + 1) / 2;
      if (start[mid] <= j) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
};

template <typename T, bool kDecay, bool kMomentum, bool kNesterov>
__global__ void sgd_kernel(SliceBatch<SgdSlice<T>> batch, SGDOptions o) {
  T unused = 0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < batch.start[batch.count];
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int t = batch.find(j);
    const SgdSlice<T>& s = batch.slice[t];
    const int64_t k = j - batch.start[t];
    T& buf = kMomentum ? s.momentum_buffer[k] : unused;
    if (s.first_step) {
      optim_formula::sgd_element<T, kDecay, kMomentum, true, kNesterov>(s.param[k], s.grad[k], buf, o);
    } else {
      optim_formula::sgd_element<T, kDecay, kMomentum, false, kNesterov>(s.param[k], s.grad[k], buf, o);
    }
  }
}

template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
__global__ void adam_kernel(SliceBatch<AdamSlice<T>> batch, AdamOptions o) {
  const optim_formula::AdamMoments<T> moments(o);
  const T eps = T(o.eps);
  T unused = 0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < batch.start[batch.count];
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int t = batch.find(j);
    const AdamSlice<T>& s = batch.slice[t];
    const int64_t k = j - batch.start[t];
    optim_formula::adam_element<T, kCoupledDecay, kDecoupledDecay, kAmsgrad>(
        moments, s.param[k], s.grad[k], s.exp_avg[k], s.exp_avg_sq[k], kAmsgrad ? s.max_exp_avg_sq[k] : unused, eps,
        T(-s.scalars.step_size), T(s.scalars.bias_correction2_sqrt));
  }
}

// Calls launch(batch, elements) for the non-empty slices, kTensorsPerLaunch at a time.
template <typename Slice, typename Launch>
void for_each_batch(const std::vector<Slice>& slices, const Launch& launch) {
  SliceBatch<Slice> batch{};
  auto flush = [&] {
    if (batch.count > 0) launch(batch, batch.start[batch.count]);
    batch.count = 0;
  };
  for (const Slice& s : slices) {
    if (s.numel == 0) continue;
    batch.slice[batch.count] = s;
    batch.start[batch.count + 1] = batch.start[batch.count] + s.numel;
    if (++batch.count == kTensorsPerLaunch) flush();
  }
  flush();
}

}  // namespace

template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o) {
  const bool use_momentum = o.momentum != 0;
  optim_formula::with_flags(
      [&](auto decay, auto momentum, auto nesterov) {
        for_each_batch(slices, [&](const SliceBatch<SgdSlice<T>>& batch, int64_t n) {
          sgd_kernel<T, decltype(decay)::value, decltype(momentum)::value, decltype(nesterov)::value>
              <<<launch_blocks(n), kLaunchThreads>>>(batch, o);
          check_launch("SGD");
        });
      },
      o.weight_decay != 0, use_momentum, use_momentum && o.nesterov);
}

template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o) {
  const bool decay = o.weight_decay != 0;
  optim_formula::with_flags(
      [&](auto coupled_decay, auto decoupled_decay, auto amsgrad) {
        for_each_batch(slices, [&](const SliceBatch<AdamSlice<T>>& batch, int64_t n) {
          adam_kernel<T, decltype(coupled_decay)::value, decltype(decoupled_decay)::value, decltype(amsgrad)::value>
              <<<launch_blocks(n), kLaunchThreads>>>(batch, o);
          check_launch(o.decoupled_weight_decay ? "AdamW" : "Adam");
        });
      },
      decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay, o.amsgrad);
}

template void sgd_steps<float>(const std::vector<SgdSlice<float>>&, const SGDOptions&);
template void sgd_steps<double>(const std::vector<SgdSlice<double>>&, const SGDOptions&);
template void adam_steps<float>(const std::vector<AdamSlice<float>>&, const AdamOptions&);
template void adam_steps<double>(const std::vector<AdamSlice<double>>&, const AdamOptions&);

}  // namespace cr::cuda
