// Adagrad (lr decay, weight decay, maximize), fused over a parameter group (torch.optim.Adagrad's
// _single_tensor_adagrad formulas, dense gradients).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// p, g, sum are (n,) slices of one parameter, its gradient and its accumulated squares; clr is this
// parameter's decayed learning rate lr / (1 + (step - 1) * lr_decay).
template <typename T, bool kDecay>
CR_OPTIM_KERNEL void adagrad_kernel(T* __restrict p, const T* __restrict g, T* __restrict sum, int64_t n,
                                    const AdagradOptions& o, double clr) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay), eps = T(o.eps), neg_clr = T(-clr);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    if constexpr (kDecay) d = d + weight_decay * p[j];
    const T s = sum[j] + d * d;
    sum[j] = s;
    p[j] = p[j] + neg_clr * d / (std::sqrt(s) + eps);
  }
}

}  // namespace

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const TensorList& steps, const AdagradOptions& options) {
  optim_detail::FusedGroup group("Adagrad", params, grads, {{"sum", &state_sums}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adagrad", steps, params.size()))
    clrs.push_back(options.lr / (1 + (step - 1) * options.lr_decay));
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adagrad", [&] {
      optim_detail::with_flags(
          [&](auto decay) {
            adagrad_kernel<scalar_t, decltype(decay)::value>(group.param<scalar_t>(i) + begin,
                                                             group.grad<scalar_t>(i) + begin,
                                                             group.state<scalar_t>(0, i) + begin, end - begin,
                                                             options, clrs[i]);
          },
          options.weight_decay != 0);
    });
  });
  group.commit();
}

}  // namespace cr
