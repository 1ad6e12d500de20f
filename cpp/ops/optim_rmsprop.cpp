// RMSprop (centered, momentum, weight decay, maximize), fused over a parameter group
// (torch.optim.RMSprop's _single_tensor_rmsprop formulas).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
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
      const T aj = optim_detail::lerp(avg[j], d, new_weight);
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

void rmsprop_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                  const TensorList& grad_avgs, const TensorList& momentum_buffers, const TensorList& steps,
                  const RMSpropOptions& options) {
  std::vector<optim_detail::StateList> states{{"square_avg", &square_avgs}};
  const size_t avg_list = states.size();
  if (options.centered) states.push_back({"grad_avg", &grad_avgs});
  const size_t buf_list = states.size();
  if (options.momentum > 0) states.push_back({"momentum_buffer", &momentum_buffers});
  optim_detail::FusedGroup group("RMSprop", params, grads, states);
  optim_detail::advance_steps("RMSprop", steps, params.size());  // kept like torch, unused by the update
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "RMSprop", [&] {
      scalar_t* avg = options.centered ? group.state<scalar_t>(avg_list, i) + begin : nullptr;
      scalar_t* buf = options.momentum > 0 ? group.state<scalar_t>(buf_list, i) + begin : nullptr;
      optim_detail::with_flags(
          [&](auto decay, auto centered, auto momentum) {
            rmsprop_kernel<scalar_t, decltype(decay)::value, decltype(centered)::value, decltype(momentum)::value>(
                group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                group.state<scalar_t>(0, i) + begin, avg, buf, end - begin, options);
          },
          options.weight_decay != 0, options.centered, options.momentum > 0);
    });
  });
  group.commit();
}

}  // namespace cr
