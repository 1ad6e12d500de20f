// RMSprop (centered, momentum, weight decay, maximize): the element loop of cpu/optim.h's
// rmsprop_step, one instantiation per combination of options (torch.optim.RMSprop's
// _single_tensor_rmsprop formulas).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, sq (square_avg), avg (grad_avg, used when kCentered), buf (momentum_buffer, used when
// kMomentum) are (n,) slices of one parameter and its state.
template <typename T, bool kDecay, bool kCentered, bool kMomentum>
CR_OPTIM_KERNEL void rmsprop_kernel(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict avg,
                                    T* __restrict buf, int64_t n, const RMSpropOptions& o) {
  const optim_formula::RMSpropConstants<T> c(o);
  T unused = 0;
  for (int64_t j = 0; j < n; ++j) {
    optim_formula::rmsprop_element<T, kDecay, kCentered, kMomentum>(c, p[j], g[j], sq[j], kCentered ? avg[j] : unused,
                                                                    kMomentum ? buf[j] : unused);
  }
}

}  // namespace

template <typename T>
void rmsprop_step(T* p, const T* g, T* square_avg, T* grad_avg, T* buf, int64_t n, const RMSpropOptions& o) {
  optim_formula::with_flags(
      [&](auto decay, auto centered, auto momentum) {
        rmsprop_kernel<T, decltype(decay)::value, decltype(centered)::value, decltype(momentum)::value>(
            p, g, square_avg, grad_avg, buf, n, o);
      },
      o.weight_decay != 0, o.centered, o.momentum > 0);
}

template void rmsprop_step<float>(float*, const float*, float*, float*, float*, int64_t, const RMSpropOptions&);
template void rmsprop_step<double>(double*, const double*, double*, double*, double*, int64_t, const RMSpropOptions&);

}  // namespace cr::cpu
