// Adadelta (weight decay, maximize), fused over a parameter group (torch.optim.Adadelta's
// _single_tensor_adadelta formulas).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// p, g, sq (square_avg), acc (acc_delta) are (n,) slices of one parameter and its state.
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adadelta_kernel(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict acc,
                                     int64_t n, const AdadeltaOptions& o) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay), rho = T(o.rho);
  const T new_weight = T(1 - o.rho), eps = T(o.eps), neg_lr = T(-o.lr);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    if constexpr (kDecay) d = d + weight_decay * p[j];
    const T sqj = sq[j] * rho + new_weight * d * d;
    sq[j] = sqj;
    const T std_dev = std::sqrt(sqj + eps);
    const T delta = std::sqrt(acc[j] + eps) / std_dev * d;
    acc[j] = acc[j] * rho + new_weight * delta * delta;
    p[j] = p[j] + neg_lr * delta;
  }
}

}  // namespace

void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, const TensorList& steps, const AdadeltaOptions& options) {
  optim_detail::FusedGroup group("Adadelta", params, grads, {{"square_avg", &square_avgs}, {"acc_delta", &acc_deltas}});
  optim_detail::advance_steps("Adadelta", steps, params.size());  // kept like torch, unused by the update
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adadelta", [&] {
      optim_detail::with_flags(
          [&](auto decay) {
            adadelta_kernel<scalar_t, decltype(decay)::value>(
                group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options);
          },
          options.weight_decay != 0);
    });
  });
  group.commit();
}

}  // namespace cr
