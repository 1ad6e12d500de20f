// The element formulas of the fused optimizer steps that the CPU's kernels (cpu/optim_*.cpp) and the
// GPU's (cuda/optim.cu) share, so both devices update alike: torch's lerp and maximum, the moment
// update of the Adam family, the SGD and Adam element updates, and with_flags (runtime options to
// compile-time ones, one branch-free loop per combination) (torch's single-tensor formulas,
// in torch's order). The other optimizers' element updates are in core/optim_element_formulas.h.
#pragma once

#include <cmath>
#include <type_traits>

#include "core/formula.h"
#include "core/optim_options.h"

namespace cr::optim_formula {

// Calls fn(std::bool_constant<flag>...) with each runtime flag turned into a compile-time one, so a
// kernel gets one branch-free (vectorizable) loop per combination of options.
template <typename Fn>
void with_flags(const Fn& fn) {
  fn();
}
template <typename Fn, typename... Flags>
void with_flags(const Fn& fn, bool first, Flags... rest) {
  with_flags([&](auto... later) { first ? fn(std::true_type{}, later...) : fn(std::false_type{}, later...); },
             rest...);
}

// torch.lerp with a scalar weight: exact at both ends, the same branches as ATen.
template <typename T>
CR_FORMULA T lerp(T from, T to, T weight) {
  return (weight < T(0) ? -weight : weight) < T(0.5) ? from + weight * (to - from) : to - (to - from) * (T(1) - weight);
}

// torch.maximum: NaN in either operand wins.
template <typename T>
CR_FORMULA T nan_max(T a, T b) {
  return (a > b || a != a) ? a : b;
}

// The element update Adam, NAdam and RAdam share (torch's formulas, in torch's order): weight decay,
// decoupled (the parameter shrinks, as AdamW) or coupled (added to the gradient), then the two
// moments. The constants come from the options once per slice.
template <typename T>
struct AdamMoments {
  T sign, weight_decay, decay_factor, avg_weight, beta2, sq_weight;

  template <typename Options>
  CR_FORMULA explicit AdamMoments(const Options& o)
      : sign(o.maximize ? T(-1) : T(1)), weight_decay(T(o.weight_decay)), decay_factor(T(1 - o.lr * o.weight_decay)),
        avg_weight(T(1 - o.beta1)), beta2(T(o.beta2)), sq_weight(T(1 - o.beta2)) {}

  // From the raw gradient g: d (the gradient as the step uses it), p decayed, m and v updated.
  template <bool kCoupledDecay, bool kDecoupledDecay>
  CR_FORMULA void update(T g, T& d, T& p, T& m, T& v) const {
    d = sign * g;
    if constexpr (kDecoupledDecay) p = p * decay_factor;
    if constexpr (kCoupledDecay) d = d + weight_decay * p;
    m = lerp(m, d, avg_weight);
    v = v * beta2 + sq_weight * d * d;
  }
};

// One SGD element: p, buf (momentum_buffer, with kMomentum; kFirstStep fills it with the step's
// direction) from the gradient g. The scalars are rounded to T, as torch rounds a tensor's alpha.
template <typename T, bool kDecay, bool kMomentum, bool kFirstStep, bool kNesterov>
CR_FORMULA void sgd_element(T& p, T g, T& buf, const SGDOptions& o) {
  T d = (o.maximize ? T(-1) : T(1)) * g;
  if constexpr (kDecay) d = d + T(o.weight_decay) * p;
  if constexpr (kMomentum) {
    const T b = kFirstStep ? d : buf * T(o.momentum) + T(1 - o.dampening) * d;
    buf = b;
    d = kNesterov ? d + T(o.momentum) * b : b;
  }
  p = p + T(-o.lr) * d;
}

// Adam's per-parameter scalars of one step, rounded to T.
template <typename T>
struct AdamStep {
  T neg_step_size, bias_correction2_sqrt;
  AdamStep() = default;
  CR_FORMULA explicit AdamStep(const AdamStepScalars& s)
      : neg_step_size(T(-s.step_size)), bias_correction2_sqrt(T(s.bias_correction2_sqrt)) {}
};

// One Adam (AdamW) element: p, m (exp_avg), v (exp_avg_sq), vmax (max_exp_avg_sq, with kAmsgrad).
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
CR_FORMULA void adam_element(const AdamMoments<T>& moments, T& p, T g, T& m, T& v, T& vmax, T eps,
                             const AdamStep<T>& s) {
  T d;
  moments.template update<kCoupledDecay, kDecoupledDecay>(g, d, p, m, v);
  T vj = v;
  if constexpr (kAmsgrad) vj = vmax = nan_max(vmax, vj);
  p = p + s.neg_step_size * m / (std::sqrt(vj) / s.bias_correction2_sqrt + eps);
}

}  // namespace cr::optim_formula
