// Adamax (Adam with an infinity norm; weight decay, maximize): the element loop of cpu/optim.h's
// adamax_step, one instantiation per combination of options (torch.optim.Adamax's
// _single_tensor_adamax formulas; the bias-corrected rate in double).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, m (exp_avg), u (exp_inf) are (n,) slices; clr is this parameter's lr / (1 - beta1^step).
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adamax_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict u,
                                   int64_t n, const AdamaxOptions& o, double clr) {
  const optim_formula::AdamaxConstants<T> c(o);
  const optim_formula::NegatedRate<T> rate(clr);
  for (int64_t j = 0; j < n; ++j) optim_formula::adamax_element<T, kDecay>(c, p[j], g[j], m[j], u[j], rate);
}

}  // namespace

template <typename T>
void adamax_step(T* p, const T* g, T* exp_avg, T* exp_inf, int64_t n, const AdamaxOptions& o, double clr) {
  optim_formula::with_flags(
      [&](auto decay) {
        adamax_kernel<T, decltype(decay)::value>(p, g, exp_avg, exp_inf, n, o, clr);
      },
      o.weight_decay != 0);
}

template void adamax_step<float>(float*, const float*, float*, float*, int64_t, const AdamaxOptions&, double);
template void adamax_step<double>(double*, const double*, double*, double*, int64_t, const AdamaxOptions&, double);

}  // namespace cr::cpu
