// RAdam (rectified Adam; coupled or decoupled weight decay, maximize): the element loop of
// cpu/optim.h's radam_step, one instantiation per combination of options (torch.optim.RAdam's
// _single_tensor_radam formulas: the rectification in double like torch's Python floats; steps
// whose approximated SMA length is <= 5 take the un-adapted momentum step).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, m (exp_avg), v (exp_avg_sq) are (n,) slices of one parameter and its state.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAdaptive>
CR_OPTIM_KERNEL void radam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                  int64_t n, const RAdamOptions& o, const RAdamStepScalars& s) {
  const optim_formula::AdamFamilyConstants<T> c(o);
  const optim_formula::RAdamStep<T> step(s);
  for (int64_t j = 0; j < n; ++j) {
    optim_formula::radam_element<T, kCoupledDecay, kDecoupledDecay, kAdaptive>(c, p[j], g[j], m[j], v[j], step);
  }
}

}  // namespace

template <typename T>
void radam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, int64_t n, const RAdamOptions& o,
                const RAdamStepScalars& s) {
  const bool decay = o.weight_decay != 0;
  optim_formula::with_flags(
      [&](auto coupled_decay, auto decoupled_decay, auto adaptive) {
        radam_kernel<T, decltype(coupled_decay)::value, decltype(decoupled_decay)::value, decltype(adaptive)::value>(
            p, g, exp_avg, exp_avg_sq, n, o, s);
      },
      decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay, s.adaptive);
}

template void radam_step<float>(float*, const float*, float*, float*, int64_t, const RAdamOptions&,
                                const RAdamStepScalars&);
template void radam_step<double>(double*, const double*, double*, double*, int64_t, const RAdamOptions&,
                                 const RAdamStepScalars&);

}  // namespace cr::cpu
