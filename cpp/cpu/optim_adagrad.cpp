// Adagrad (lr decay, weight decay, maximize): the element loop of cpu/optim.h's adagrad_step, one
// instantiation per combination of options (torch.optim.Adagrad's _single_tensor_adagrad formulas,
// dense gradients).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, sum are (n,) slices of one parameter, its gradient and its accumulated squares; clr is this
// parameter's decayed learning rate lr / (1 + (step - 1) * lr_decay).
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adagrad_kernel(T* __restrict p, const T* __restrict g, T* __restrict sum, int64_t n,
                                    const AdagradOptions& o, double clr) {
  const optim_formula::AdagradConstants<T> c(o);
  const optim_formula::NegatedRate<T> rate(clr);
  for (int64_t j = 0; j < n; ++j) optim_formula::adagrad_element<T, kDecay>(c, p[j], g[j], sum[j], rate);
}

}  // namespace

template <typename T>
void adagrad_step(T* p, const T* g, T* sum, int64_t n, const AdagradOptions& o, double clr) {
  optim_formula::with_flags(
      [&](auto decay) {
        adagrad_kernel<T, decltype(decay)::value>(p, g, sum, n, o, clr);
      },
      o.weight_decay != 0);
}

template void adagrad_step<float>(float*, const float*, float*, int64_t, const AdagradOptions&, double);
template void adagrad_step<double>(double*, const double*, double*, int64_t, const AdagradOptions&, double);

}  // namespace cr::cpu
