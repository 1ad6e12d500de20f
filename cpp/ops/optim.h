// Fused optimizer steps (chainrule.optim): each call updates every parameter of one parameter group
// in place, in one pass over each parameter's memory (the kernels of cpu/optim.h), with PyTorch's
// update formulas (torch/optim/*.py, single-tensor paths). Lists run in parallel: params[i], grads[i] and each state
// list's [i] belong together and must match in shape, dtype (float32 or float64) and device (CPU).
// The updates run under no-grad and bump the version of every tensor they write.
#pragma once

#include <vector>

#include "core/tensor.h"
#include "cpu/optim.h"

namespace cr {

using TensorList = std::vector<Tensor>;

// The options of each step, as the update kernels of cpu/optim.h take them.

// momentum_buffers: one per parameter when momentum != 0 (else empty); a buffer whose
// buffer_is_new[i] is set is initialized to the (decayed) gradient, as torch does on the first step.
void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers,
              const std::vector<bool>& buffer_is_new, const SGDOptions& options);

// steps: one-element float tensors, incremented here. max_exp_avg_sqs: one per parameter with
// amsgrad (else empty).
void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const TensorList& steps,
               const AdamOptions& options);

// grad_avgs: one per parameter when centered; momentum_buffers: one per parameter when
// momentum > 0 (else empty).
void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& momentum_buffers, const TensorList& steps,
                  const RMSpropOptions& options);

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const TensorList& steps, const AdagradOptions& options);

void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, const TensorList& steps, const AdadeltaOptions& options);

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const TensorList& steps, const AdamaxOptions& options);

// mu_products: one-element float tensors (the running product of the momentum coefficients),
// updated here like steps.
void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& mu_products, const TensorList& steps,
                const NAdamOptions& options);

void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& steps, const RAdamOptions& options);

// etas, mus: one-element float tensors (this step's learning rate and averaging weight), read and
// then set for the next step, like steps.
void asgd_step(const TensorList& params, const TensorList& grads, const TensorList& axs, const TensorList& etas,
               const TensorList& mus, const TensorList& steps, const ASGDOptions& options);

}  // namespace cr
