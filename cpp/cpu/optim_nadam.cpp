// NAdam (Nesterov-accelerated Adam with momentum decay; coupled or decoupled weight decay,
// maximize): the element loop of cpu/optim.h's nadam_step, one instantiation per combination of
// options (torch.optim.NAdam's _single_tensor_nadam formulas: the momentum coefficients and step
// sizes in double like torch's Python floats, mu_product in its own dtype).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, m (exp_avg), v (exp_avg_sq) are (n,) slices of one parameter and its state.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
CR_OPTIM_KERNEL void nadam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                  int64_t n, const NAdamOptions& o, const NAdamStepScalars& s) {
  const optim_formula::AdamFamilyConstants<T> c(o);
  const optim_formula::NAdamStep<T> step(s);
  for (int64_t j = 0; j < n; ++j) {
    optim_formula::nadam_element<T, kCoupledDecay, kDecoupledDecay>(c, p[j], g[j], m[j], v[j], step);
  }
}

}  // namespace

template <typename T>
void nadam_step(T* p, const T* g, T* exp_avg, T* exp_avg_sq, int64_t n, const NAdamOptions& o,
                const NAdamStepScalars& s) {
  const bool decay = o.weight_decay != 0;
  optim_formula::with_flags(
      [&](auto coupled_decay, auto decoupled_decay) {
        nadam_kernel<T, decltype(coupled_decay)::value, decltype(decoupled_decay)::value>(
            p, g, exp_avg, exp_avg_sq, n, o, s);
      },
      decay && !o.decoupled_weight_decay, decay && o.decoupled_weight_decay);
}

template void nadam_step<float>(float*, const float*, float*, float*, int64_t, const NAdamOptions&,
                                const NAdamStepScalars&);
template void nadam_step<double>(double*, const double*, double*, double*, int64_t, const NAdamOptions&,
                                 const NAdamStepScalars&);

}  // namespace cr::cpu
