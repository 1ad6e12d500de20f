// Adadelta (weight decay, maximize): the element loop of cpu/optim.h's adadelta_step, one
// instantiation per combination of options (torch.optim.Adadelta's _single_tensor_adadelta
// formulas).
#include "core/optim_element_formulas.h"
#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, sq (square_avg), acc (acc_delta) are (n,) slices of one parameter and its state.
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adadelta_kernel(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict acc,
                                     int64_t n, const AdadeltaOptions& o) {
  const optim_formula::AdadeltaConstants<T> c(o);
  for (int64_t j = 0; j < n; ++j) optim_formula::adadelta_element<T, kDecay>(c, p[j], g[j], sq[j], acc[j]);
}

}  // namespace

template <typename T>
void adadelta_step(T* p, const T* g, T* square_avg, T* acc_delta, int64_t n, const AdadeltaOptions& o) {
  optim_formula::with_flags(
      [&](auto decay) {
        adadelta_kernel<T, decltype(decay)::value>(p, g, square_avg, acc_delta, n, o);
      },
      o.weight_decay != 0);
}

template void adadelta_step<float>(float*, const float*, float*, float*, int64_t, const AdadeltaOptions&);
template void adadelta_step<double>(double*, const double*, double*, double*, int64_t, const AdadeltaOptions&);

}  // namespace cr::cpu
