// The element updates of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam and ASGD that the CPU's
// kernels (cpu/optim_*.cpp) and the GPU's (cuda/optim.cu) share, so both devices update alike
// (torch's _single_tensor_* formulas, in torch's order and rounding). Each optimizer has its
// constants from the options (rounded to T once, per loop or per launch), where it needs them its
// per-parameter scalars of one step (rounded to T once, per parameter), and its element function.
// SGD's and Adam's, and the helpers they share, are in core/optim_formulas.h.
#pragma once

#include <cmath>

#include "core/optim_formulas.h"

namespace cr::optim_formula {

// The gradient as a step uses it: negated with maximize, plus weight_decay * p with kDecay.
template <typename T>
struct DecayedGradient {
  T sign, weight_decay;

  template <typename Options>
  CR_FORMULA explicit DecayedGradient(const Options& o)
      : sign(o.maximize ? T(-1) : T(1)), weight_decay(T(o.weight_decay)) {}

  template <bool kDecay>
  CR_FORMULA T of(T g, T p) const {
    T d = sign * g;
    if constexpr (kDecay) d = d + weight_decay * p;
    return d;
  }
};

// A per-parameter learning rate, negated (Adagrad's lr / (1 + (step - 1) * lr_decay), Adamax's
// lr / (1 - beta1^step)).
template <typename T>
struct NegatedRate {
  T neg_rate;
  NegatedRate() = default;
  CR_FORMULA explicit NegatedRate(double rate) : neg_rate(T(-rate)) {}
};

template <typename T>
struct RMSpropConstants {
  DecayedGradient<T> gradient;
  T alpha, new_weight, eps, momentum, neg_lr;
  CR_FORMULA explicit RMSpropConstants(const RMSpropOptions& o)
      : gradient(o), alpha(T(o.alpha)), new_weight(T(1 - o.alpha)), eps(T(o.eps)), momentum(T(o.momentum)),
        neg_lr(T(-o.lr)) {}
};

// One RMSprop element: p, sq (square_avg), avg (grad_avg, with kCentered), buf (momentum_buffer,
// with kMomentum).
template <typename T, bool kDecay, bool kCentered, bool kMomentum>
CR_FORMULA void rmsprop_element(const RMSpropConstants<T>& c, T& p, T g, T& sq, T& avg, T& buf) {
  const T d = c.gradient.template of<kDecay>(g, p);
  const T sqj = sq * c.alpha + c.new_weight * d * d;
  sq = sqj;
  T rms;
  if constexpr (kCentered) {
    const T aj = lerp(avg, d, c.new_weight);
    avg = aj;
    rms = std::sqrt(sqj + T(-1) * aj * aj) + c.eps;
  } else {
    rms = std::sqrt(sqj) + c.eps;
  }
  if constexpr (kMomentum) {
    const T b = buf * c.momentum + d / rms;
    buf = b;
    p = p + c.neg_lr * b;
  } else {
    p = p + c.neg_lr * d / rms;
  }
}

template <typename T>
struct AdagradConstants {
  DecayedGradient<T> gradient;
  T eps;
  CR_FORMULA explicit AdagradConstants(const AdagradOptions& o) : gradient(o), eps(T(o.eps)) {}
};

// One Adagrad element: p, sum (of squares); clr is the parameter's decayed rate.
template <typename T, bool kDecay>
CR_FORMULA void adagrad_element(const AdagradConstants<T>& c, T& p, T g, T& sum, const NegatedRate<T>& clr) {
  const T d = c.gradient.template of<kDecay>(g, p);
  const T s = sum + d * d;
  sum = s;
  p = p + clr.neg_rate * d / (std::sqrt(s) + c.eps);
}

template <typename T>
struct AdadeltaConstants {
  DecayedGradient<T> gradient;
  T rho, new_weight, eps, neg_lr;
  CR_FORMULA explicit AdadeltaConstants(const AdadeltaOptions& o)
      : gradient(o), rho(T(o.rho)), new_weight(T(1 - o.rho)), eps(T(o.eps)), neg_lr(T(-o.lr)) {}
};

// One Adadelta element: p, sq (square_avg), acc (acc_delta).
template <typename T, bool kDecay>
CR_FORMULA void adadelta_element(const AdadeltaConstants<T>& c, T& p, T g, T& sq, T& acc) {
  const T d = c.gradient.template of<kDecay>(g, p);
  const T sqj = sq * c.rho + c.new_weight * d * d;
  sq = sqj;
  const T std_dev = std::sqrt(sqj + c.eps);
  const T delta = std::sqrt(acc + c.eps) / std_dev * d;
  acc = acc * c.rho + c.new_weight * delta * delta;
  p = p + c.neg_lr * delta;
}

template <typename T>
struct AdamaxConstants {
  DecayedGradient<T> gradient;
  T avg_weight, beta2, eps;
  CR_FORMULA explicit AdamaxConstants(const AdamaxOptions& o)
      : gradient(o), avg_weight(T(1 - o.beta1)), beta2(T(o.beta2)), eps(T(o.eps)) {}
};

// One Adamax element: p, m (exp_avg), u (exp_inf); clr is the parameter's lr / (1 - beta1^step).
template <typename T, bool kDecay>
CR_FORMULA void adamax_element(const AdamaxConstants<T>& c, T& p, T g, T& m, T& u, const NegatedRate<T>& clr) {
  const T d = c.gradient.template of<kDecay>(g, p);
  const T mj = lerp(m, d, c.avg_weight);
  const T uj = nan_max(u * c.beta2, std::abs(d) + c.eps);
  m = mj;
  u = uj;
  p = p + clr.neg_rate * mj / uj;
}

// The Adam family's constants (Adam's, NAdam's, RAdam's): the moments, eps and (RAdam's) lr.
template <typename T>
struct AdamFamilyConstants {
  AdamMoments<T> moments;
  T eps, lr;
  template <typename Options>
  CR_FORMULA explicit AdamFamilyConstants(const Options& o) : moments(o), eps(T(o.eps)), lr(T(o.lr)) {}
};

// NAdam's per-parameter scalars of one step.
template <typename T>
struct NAdamStep {
  T bias_correction2, grad_step, avg_step;
  NAdamStep() = default;
  CR_FORMULA explicit NAdamStep(const NAdamStepScalars& s)
      : bias_correction2(T(s.bias_correction2)), grad_step(T(s.grad_step)), avg_step(T(s.avg_step)) {}
};

// One NAdam element: p, m (exp_avg), v (exp_avg_sq).
template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
CR_FORMULA void nadam_element(const AdamFamilyConstants<T>& c, T& p, T g, T& m, T& v, const NAdamStep<T>& s) {
  T d;
  c.moments.template update<kCoupledDecay, kDecoupledDecay>(g, d, p, m, v);
  const T denom = std::sqrt(v / s.bias_correction2) + c.eps;
  p = p + s.grad_step * d / denom;
  p = p + s.avg_step * m / denom;
}

// RAdam's per-parameter scalars of one step.
template <typename T>
struct RAdamStep {
  T bias_correction1, bias_correction2_sqrt, rect;
  bool adaptive;
  RAdamStep() = default;
  CR_FORMULA explicit RAdamStep(const RAdamStepScalars& s)
      : bias_correction1(T(s.bias_correction1)), bias_correction2_sqrt(T(s.bias_correction2_sqrt)), rect(T(s.rect)),
        adaptive(s.adaptive) {}
};

// One RAdam element: p, m (exp_avg), v (exp_avg_sq); kAdaptive: the step's s.adaptive.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAdaptive>
CR_FORMULA void radam_element(const AdamFamilyConstants<T>& c, T& p, T g, T& m, T& v, const RAdamStep<T>& s) {
  T d;
  c.moments.template update<kCoupledDecay, kDecoupledDecay>(g, d, p, m, v);
  const T corrected_avg = m / s.bias_correction1;
  if constexpr (kAdaptive) {
    // torch's float / tensor is tensor.reciprocal() * float
    const T adaptive_lr = T(1) / (std::sqrt(v) + c.eps) * s.bias_correction2_sqrt;
    p = p - corrected_avg * c.lr * adaptive_lr * s.rect;
  } else {
    p = p - corrected_avg * c.lr;
  }
}

// ASGD's per-parameter scalars of one step. average: mu != 1, so ax moves toward p by mu; otherwise
// ax becomes a copy of p (torch's two branches).
template <typename T>
struct ASGDStep {
  T decay_factor, neg_eta, mu;
  bool average;
  ASGDStep() = default;
  CR_FORMULA ASGDStep(const ASGDOptions& o, const ASGDStepScalars& s)
      : decay_factor(T(1 - o.lambd * s.eta)), neg_eta(T(-s.eta)), mu(T(s.mu)), average(s.mu != 1) {}
};

// One ASGD element: p, ax (the average); kAverage: the step's s.average.
template <typename T, bool kDecay, bool kAverage>
CR_FORMULA void asgd_element(const DecayedGradient<T>& gradient, T& p, T g, T& ax, const ASGDStep<T>& s) {
  const T d = gradient.template of<kDecay>(g, p);
  T pj = p * s.decay_factor;
  pj = pj + s.neg_eta * d;
  p = pj;
  if constexpr (kAverage) {
    ax = ax + (pj - ax) * s.mu;
  } else {
    ax = pj;
  }
}

}  // namespace cr::optim_formula
