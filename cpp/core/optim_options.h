// The options and per-step scalars of the fused optimizer steps (torch.optim's hyperparameters and
// the values torch derives from the step count), shared by the CPU's kernels (cpu/optim.h) and the
// GPU's (cuda/optim.h); cpp/ops/optim_*.cpp fill them.
#pragma once

namespace cr {

struct SGDOptions {
  double lr, momentum, dampening, weight_decay;
  bool nesterov, maximize;
};

struct AdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool amsgrad, maximize, decoupled_weight_decay;  // decoupled: AdamW
};

// Per-parameter scalars of one step, from its step count.
struct AdamStepScalars {
  double step_size;              // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};

struct RMSpropOptions {
  double lr, alpha, eps, weight_decay, momentum;
  bool centered, maximize;
};

struct AdagradOptions {
  double lr, lr_decay, weight_decay, eps;
  bool maximize;
};

struct AdadeltaOptions {
  double lr, rho, eps, weight_decay;
  bool maximize;
};

struct AdamaxOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool maximize;
};

struct NAdamOptions {
  double lr, beta1, beta2, eps, weight_decay, momentum_decay;
  bool decoupled_weight_decay, maximize;
};

// Per-parameter scalars of one step.
struct NAdamStepScalars {
  double bias_correction2;  // 1 - beta2^step
  double grad_step;         // -lr * (1 - mu) / (1 - mu_product)
  double avg_step;          // -lr * mu_next / (1 - mu_product * mu_next)
};

struct RAdamOptions {
  double lr, beta1, beta2, eps, weight_decay;
  bool decoupled_weight_decay, maximize;
};

// Per-parameter scalars of one step.
struct RAdamStepScalars {
  double bias_correction1;       // 1 - beta1^step
  double bias_correction2_sqrt;  // (1 - beta2^step)^0.5
  double rect;                   // the variance rectification term
  bool adaptive;                 // rho_t > 5: use the adaptive (rectified) step
};

struct ASGDOptions {
  double lr, lambd, alpha, t0, weight_decay;
  bool maximize;
};

// Per-parameter scalars of one step, read from the state before the update.
struct ASGDStepScalars {
  double eta, mu;  // this step's learning rate and averaging weight
};

}  // namespace cr
