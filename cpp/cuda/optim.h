// The fused optimizer steps on a GPU, with the element formulas of the CPU's kernels
// (core/optim_formulas.h, core/optim_element_formulas.h), multi-tensor: one launch updates many
// parameters (as many slices as fit in a launch's 4 KB of arguments), one thread per element. Each
// slice is one whole parameter and its state, updated in place, with its scalars of this step
// (computed on the host from the CPU step counters, as torch 2.x does without capturable). Every
// fused optimizer: SGD, Adam/AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD.
#pragma once

#include <cstdint>
#include <vector>

#include "core/optim_element_formulas.h"
#include "core/optim_options.h"

namespace cr::cuda {

// One parameter of a multi-tensor step: its kStates state tensors (null where the options leave
// one out) and its per-parameter scalars of this step.
template <typename T, int kStates, typename Scalars>
struct OptimSlice {
  T* param;
  const T* grad;
  T* state[kStates];
  int64_t numel;
  Scalars scalars;
};

struct NoScalars {};  // an optimizer whose step is the same for every parameter

// state: momentum_buffer (null without momentum); scalars: first_step (the buffer is new: it takes
// the gradient).
template <typename T>
using SgdSlice = OptimSlice<T, 1, bool>;
// state: exp_avg, exp_avg_sq, max_exp_avg_sq (null without amsgrad).
template <typename T>
using AdamSlice = OptimSlice<T, 3, optim_formula::AdamStep<T>>;
// state: square_avg, grad_avg (null unless centered), momentum_buffer (null without momentum).
template <typename T>
using RMSpropSlice = OptimSlice<T, 3, NoScalars>;
// state: sum; scalars: the decayed rate clr.
template <typename T>
using AdagradSlice = OptimSlice<T, 1, optim_formula::NegatedRate<T>>;
// state: square_avg, acc_delta.
template <typename T>
using AdadeltaSlice = OptimSlice<T, 2, NoScalars>;
// state: exp_avg, exp_inf; scalars: the bias-corrected rate clr.
template <typename T>
using AdamaxSlice = OptimSlice<T, 2, optim_formula::NegatedRate<T>>;
// state: exp_avg, exp_avg_sq.
template <typename T>
using NAdamSlice = OptimSlice<T, 2, optim_formula::NAdamStep<T>>;
// state: exp_avg, exp_avg_sq.
template <typename T>
using RAdamSlice = OptimSlice<T, 2, optim_formula::RAdamStep<T>>;
// state: ax.
template <typename T>
using ASGDSlice = OptimSlice<T, 1, optim_formula::ASGDStep<T>>;

template <typename T>
void sgd_steps(const std::vector<SgdSlice<T>>& slices, const SGDOptions& o);
template <typename T>
void adam_steps(const std::vector<AdamSlice<T>>& slices, const AdamOptions& o);
template <typename T>
void rmsprop_steps(const std::vector<RMSpropSlice<T>>& slices, const RMSpropOptions& o);
template <typename T>
void adagrad_steps(const std::vector<AdagradSlice<T>>& slices, const AdagradOptions& o);
template <typename T>
void adadelta_steps(const std::vector<AdadeltaSlice<T>>& slices, const AdadeltaOptions& o);
template <typename T>
void adamax_steps(const std::vector<AdamaxSlice<T>>& slices, const AdamaxOptions& o);
template <typename T>
void nadam_steps(const std::vector<NAdamSlice<T>>& slices, const NAdamOptions& o);
template <typename T>
void radam_steps(const std::vector<RAdamSlice<T>>& slices, const RAdamOptions& o);
template <typename T>
void asgd_steps(const std::vector<ASGDSlice<T>>& slices, const ASGDOptions& o);

}  // namespace cr::cuda
