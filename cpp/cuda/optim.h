// The fused optimizer steps on a GPU, with the element formulas of the CPU's kernels
// (core/optim_formulas.h), multi-tensor: one launch updates many parameters (up to
// kTensorsPerLaunch, their pointers carried in the launch itself), one thread per element. Each
// slice is one whole parameter and its state, updated in place. SGD and Adam/AdamW; the other
// optimizers step on host copies (ops/optim_group.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/optim_options.h"

namespace cr::cuda {

template <typename T>
struct SgdSlice {
  T* param;
  const T* grad;
  T* momentum_buffer;  // null without momentum
  int64_t numel;
  bool first_step;     // the momentum buffer is new: it takes the gradient
};

template <typename T>
struct AdamSlice {
  T* param;
  const T* grad;
  T *exp_avg, *exp_avg_sq, *max_exp_avg_sq;  // max_exp_avg_sq null without amsgrad
  int64_t numel;
  AdamStepScalars scalars;
};

template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o);
template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o);

}  // namespace cr::cuda
