// What the fused optimizer kernels (cpu/optim_*.cpp) share: the out-of-line marker of their
// element loops, the runtime-to-compile-time flag dispatch, torch's lerp and maximum, and the
// moment update of the Adam family.
#pragma once

#include <cmath>
#include <type_traits>

// Marks the per-element loops of the steps: kept out of line, so that their __restrict pointer
// parameters still hold when the compiler vectorizes them (inlined into the dispatch lambdas, GCC
// loses them and leaves the loops scalar).
#define CR_OPTIM_KERNEL __attribute__((noinline))

namespace cr::cpu::optim_kernel {

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
inline T lerp(T from, T to, T weight) {
  return std::abs(weight) < T(0.5) ? from + weight * (to - from) : to - (to - from) * (T(1) - weight);
}

// torch.maximum: NaN in either operand wins.
template <typename T>
inline T nan_max(T a, T b) {
  return (a > b || a != a) ? a : b;
}

// The element update Adam, NAdam and RAdam share (torch's formulas, in torch's order): weight decay,
// decoupled (the parameter shrinks, as AdamW) or coupled (added to the gradient), then the two
// moments. The constants come from the options once per slice.
template <typename T>
struct AdamMoments {
  T sign, weight_decay, decay_factor, avg_weight, beta2, sq_weight;

  template <typename Options>
  explicit AdamMoments(const Options& o)
      : sign(o.maximize ? T(-1) : T(1)), weight_decay(T(o.weight_decay)), decay_factor(T(1 - o.lr * o.weight_decay)),
        avg_weight(T(1 - o.beta1)), beta2(T(o.beta2)), sq_weight(T(1 - o.beta2)) {}

  // From the raw gradient g: d (the gradient as the step uses it), p decayed, m and v updated.
  template <bool kCoupledDecay, bool kDecoupledDecay>
  void update(T g, T& d, T& p, T& m, T& v) const {
    d = sign * g;
    if constexpr (kDecoupledDecay) p = p * decay_factor;
    if constexpr (kCoupledDecay) d = d + weight_decay * p;
    m = lerp(m, d, avg_weight);
    v = v * beta2 + sq_weight * d * d;
  }
};

}  // namespace cr::cpu::optim_kernel
