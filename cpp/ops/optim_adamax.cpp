// Adamax (Adam with an infinity norm; weight decay, maximize), fused over a parameter group
// (torch.optim.Adamax's _single_tensor_adamax formulas; the bias-corrected rate in double).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// p, g, m (exp_avg), u (exp_inf) are (n,) slices; clr is this parameter's lr / (1 - beta1^step).
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adamax_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict u,
                                   int64_t n, const AdamaxOptions& o, double clr) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay);
  const T avg_weight = T(1 - o.beta1), beta2 = T(o.beta2), eps = T(o.eps), neg_clr = T(-clr);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    if constexpr (kDecay) d = d + weight_decay * p[j];
    const T mj = optim_detail::lerp(m[j], d, avg_weight);
    const T uj = optim_detail::nan_max(u[j] * beta2, std::abs(d) + eps);
    m[j] = mj;
    u[j] = uj;
    p[j] = p[j] + neg_clr * mj / uj;
  }
}

}  // namespace

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const TensorList& steps, const AdamaxOptions& options) {
  optim_detail::FusedGroup group("Adamax", params, grads, {{"exp_avg", &exp_avgs}, {"exp_inf", &exp_infs}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adamax", steps, params.size()))
    clrs.push_back(options.lr / (1 - std::pow(options.beta1, step)));
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adamax", [&] {
      optim_detail::with_flags(
          [&](auto decay) {
            adamax_kernel<scalar_t, decltype(decay)::value>(
                group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options,
                clrs[i]);
          },
          options.weight_decay != 0);
    });
  });
  group.commit();
}

}  // namespace cr
