// SGD with momentum, dampening, Nesterov, weight decay and maximize: the element loop of
// cpu/optim.h's sgd_step, one instantiation per combination of options (torch.optim.SGD's
// _single_tensor_sgd formulas).
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, buf are (n,) slices of one parameter, its gradient and its momentum buffer (used with
// kMomentum; kFirstStep fills it with the gradient). The scalars are rounded to T first, as torch
// rounds a float tensor's alpha.
template <typename T, bool kDecay, bool kMomentum, bool kFirstStep, bool kNesterov>
CR_OPTIM_KERNEL void sgd_kernel(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n,
                                const SGDOptions& o) {
  T unused = 0;
  for (int64_t j = 0; j < n; ++j) {
    optim_formula::sgd_element<T, kDecay, kMomentum, kFirstStep, kNesterov>(p[j], g[j], kMomentum ? buf[j] : unused,
                                                                            o);
  }
}

}  // namespace

template <typename T>
void sgd_step(T* p, const T* g, T* buf, int64_t n, const SGDOptions& o, bool first_step) {
  const bool use_momentum = o.momentum != 0;
  optim_formula::with_flags(
      [&](auto decay, auto momentum, auto fill_buffer, auto nesterov) {
        sgd_kernel<T, decltype(decay)::value, decltype(momentum)::value, decltype(fill_buffer)::value,
                   decltype(nesterov)::value>(p, g, buf, n, o);
      },
      o.weight_decay != 0, use_momentum, use_momentum && first_step, use_momentum && o.nesterov);
}

template void sgd_step<float>(float*, const float*, float*, int64_t, const SGDOptions&, bool);
template void sgd_step<double>(double*, const double*, double*, int64_t, const SGDOptions&, bool);

}  // namespace cr::cpu
