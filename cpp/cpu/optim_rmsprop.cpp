// RMSprop (centered, momentum, weight decay, maximize): the element loop of cpu/optim.h's
// rmsprop_step, one instantiation per combination of options (torch.optim.RMSprop's
// _single_tensor_rmsprop formulas).
#include <cmath>

#include "cpu/optim.h"
#include "cpu/optim_kernel.h"

namespace cr::cpu {
namespace {

// p, g, sq (square_avg), avg (grad_avg, used when kCentered), buf (momentum_buffer, used when
// kMomentum) are (n,) slices of one parameter and its state.
template <typename T, bool kDecay, bool kCentered, bool kMomentum>
CR_OPTIM_KERNEL void rmsprop_kernel(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict avg,
                                    T* __restrict buf, int64_t n, const RMSpropOptions& o) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay), alpha = T(o.alpha);
  const T new_weight = T(1 - o.alpha), eps = T(o.eps), momentum = T(o.momentum), neg_lr = T(-o.lr);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    if constexpr (kDecay) d = d + weight_decay * p[j];
    const T sqj = sq[j] * alpha + new_weight * d * d;
    sq[j] = sqj;
    T rms;
    if constexpr (kCentered) {
      const T aj = optim_formula::lerp(avg[j], d, new_weight);
      avg[j] = aj;
      rms = std::sqrt(sqj + T(-1) * aj * aj) + eps;
    } else {
      rms = std::sqrt(sqj) + eps;
    }
    if constexpr (kMomentum) {
      const T b = buf[j] * momentum + d / rms;
      buf[j] = b;
      p[j] = p[j] + neg_lr * b;
    } else {
      p[j] = p[j] + neg_lr * d / rms;
    }
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
