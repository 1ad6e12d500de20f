// Adam and AdamW (decoupled weight decay), with amsgrad and maximize: the element loop of
// cpu/optim.h's adam_step, one instantiation per combination of options (torch.optim.Adam's
// _single_tensor_adam formulas; bias corrections in double like torch's Python floats, then rounded
// to the parameter's dtype).
#include <cmath>

#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, m (exp_avg), v (exp_avg_sq), vmax (max_exp_avg_sq, used with kAmsgrad) are (n,) slices.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
CR_OPTIM_KERNEL void adam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                 T* __restrict vmax, int64_t n, const AdamOptions& o, const AdamStepScalars& s) {
  const optim_formula::AdamMoments<T> moments(o);
  const T eps = T(o.eps);
  const optim_formula::AdamStep<T> step(s);
  T unused = 0;
  for (int64_t j = 0; j < n; ++j) {
    optim_formula::adam_element<T, kCoupledDecay, kDecoupledDecay, kAmsgrad>(
        moments, p[j], g[j], m[j], v[j], kAmsgrad ? vmax[j] : unused, eps, step);
  }
}

}  // namespace

template <typename T>
void adam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, T* max_exp_avg_sq, int64_t n, const AdamOptions& o,
               const AdamStepScalars& s) {
  const bool decay = o.weight_decay != 0;
  optim_formula::with_flags(
      [&](auto coupled_decay, auto decoupled_decay, auto amsgrad) {
        adam_kernel<T, decltype(coupled_decay)::value, decltype(decoupled_decay)::value, decltype(amsgrad)::value>(
            p, g, exp_avg, exp_avg_sq, max_exp_avg_sq, n, o, s);
      },
      decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay, o.amsgrad);
}

template void adam_step<float>(float*, const float*, float*, float*, float*, int64_t, const AdamOptions&,
                               const AdamStepScalars&);
template void adam_step<double>(double*, const double*, double*, double*, double*, int64_t, const AdamOptions&,
                                const AdamStepScalars&);

}  // namespace cr::cpu
