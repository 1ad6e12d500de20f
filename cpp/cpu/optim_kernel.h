// What the fused optimizer kernels (cpu/optim_*.cpp) share: the out-of-line marker of their
// element loops, the runtime-to-compile-time flag dispatch, and torch's lerp and maximum.
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

}  // namespace cr::cpu::optim_kernel
