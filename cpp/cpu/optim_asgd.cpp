// ASGD (averaged SGD; weight decay, maximize): the element loop of cpu/optim.h's asgd_step, one
// instantiation per combination of options (torch.optim.ASGD's _single_tensor_asgd formulas).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, ax are (n,) slices of one parameter, its gradient and its average. kAverage: mu != 1, so ax
// moves toward p by mu; otherwise ax becomes a copy of p (torch's two branches).
template <typename T, bool kDecay, bool kAverage>
CR_OPTIM_KERNEL void asgd_kernel(T* __restrict p, const T* __restrict g, T* __restrict ax, int64_t n,
                                 const ASGDOptions& o, const ASGDStepScalars& s) {
  const optim_formula::DecayedGradient<T> gradient(o);
  const optim_formula::ASGDStep<T> step(o, s);
  for (int64_t j = 0; j < n; ++j) optim_formula::asgd_element<T, kDecay, kAverage>(gradient, p[j], g[j], ax[j], step);
}

}  // namespace

template <typename T>
void asgd_step(T* p, const T* g, T* ax, int64_t n, const ASGDOptions& o, const ASGDStepScalars& s) {
  optim_formula::with_flags(
      [&](auto decay, auto average) {
        asgd_kernel<T, decltype(decay)::value, decltype(average)::value>(p, g, ax, n, o, s);
      },
      o.weight_decay != 0, optim_formula::ASGDStep<T>(o, s).average);
}

template void asgd_step<float>(float*, const float*, float*, int64_t, const ASGDOptions&, const ASGDStepScalars&);
template void asgd_step<double>(double*, const double*, double*, int64_t, const ASGDOptions&, const ASGDStepScalars&);

}  // namespace cr::cpu
