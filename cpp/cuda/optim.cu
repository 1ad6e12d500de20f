// SGD and Adam on a GPU (cuda/optim.h): a grid-stride loop per parameter calling the element
// formulas the CPU's kernels call, one kernel per combination of options (with_flags).
#include <cuda_runtime.h>

#include <algorithm>

#include "core/error.h"
#include "core/optim_formulas.h"
#include "cuda/optim.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T, bool kDecay, bool kMomentum, bool kFirstStep, bool kNesterov>
__global__ void sgd_kernel(T* p, const T* g, T* buf, int64_t n, SGDOptions o) {
  T unused = 0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    optim_formula::sgd_element<T, kDecay, kMomentum, kFirstStep, kNesterov>(p[j], g[j], kMomentum ? buf[j] : unused,
                                                                            o);
  }
}

template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
__global__ void adam_kernel(T* p, const T* g, T* m, T* v, T* vmax, int64_t n, AdamOptions o, AdamStepScalars s) {
  const optim_formula::AdamMoments<T> moments(o);
  const T eps = T(o.eps), neg_step_size = T(-s.step_size), bc2_sqrt = T(s.bias_correction2_sqrt);
  T unused = 0;
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    optim_formula::adam_element<T, kCoupledDecay, kDecoupledDecay, kAmsgrad>(
        moments, p[j], g[j], m[j], v[j], kAmsgrad ? vmax[j] : unused, eps, neg_step_size, bc2_sqrt);
  }
}

}  // namespace

template <typename T>
void sgd_step(T* p, const T* g, T* buf, int64_t n, const SGDOptions& o, bool first_step) {
  if (n == 0) return;
  const bool use_momentum = o.momentum != 0;
  optim_formula::with_flags(
      [&](auto decay, auto momentum, auto fill_buffer, auto nesterov) {
        sgd_kernel<T, decltype(decay)::value, decltype(momentum)::value, decltype(fill_buffer)::value,
                   decltype(nesterov)::value><<<launch_blocks(n), kLaunchThreads>>>(p, g, buf, n, o);
      },
      o.weight_decay != 0, use_momentum, use_momentum && first_step, use_momentum && o.nesterov);
  check_launch("SGD");
}

template <typename T>
void adam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t n, const AdamOptions& o,
               const AdamStepScalars& s) {
  if (n == 0) return;
  const bool decay = o.weight_decay != 0;
  optim_formula::with_flags(
      [&](auto coupled_decay, auto decoupled_decay, auto amsgrad) {
        adam_kernel<T, decltype(coupled_decay)::value, decltype(decoupled_decay)::value, decltype(amsgrad)::value>
            <<<launch_blocks(n), kLaunchThreads>>>(p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, n, o, s);
      },
      decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay, o.amsgrad);
  check_launch(o.decoupled_weight_decay ? "AdamW" : "Adam");
}

template void sgd_step<float>(float*, const float*, float*, int64_t, const SGDOptions&, bool);
template void sgd_step<double>(double*, const double*, double*, int64_t, const SGDOptions&, bool);
template void adam_step<float>(float*, const float*, float*, float*, float*, int64_t, const AdamOptions&,
                               const AdamStepScalars&);
template void adam_step<double>(double*, const double*, double*, double*, double*, int64_t, const AdamOptions&,
                                const AdamStepScalars&);

}  // namespace cr::cuda
