// NAdam (Nesterov-accelerated Adam with momentum decay; coupled or decoupled weight decay,
// maximize), fused over a parameter group by the kernels of cpu/optim.h or, for GPU parameters, the
// multi-tensor ones of cuda/optim.h (torch.optim.NAdam's _single_tensor_nadam formulas: the
// momentum coefficients and step sizes in double like torch's Python floats, mu_product in its own
// dtype).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// torch's momentum coefficient mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)).
double momentum_coefficient(const NAdamOptions& o, double step) {
  return o.beta1 * (1.0 - 0.5 * std::pow(0.96, step * o.momentum_decay));
}

}  // namespace

void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& mu_products, const TensorList& steps,
                const NAdamOptions& options) {
  optim_detail::FusedGroup group("NAdam", params, grads, {{"exp_avg", &exp_avgs}, {"exp_avg_sq", &exp_avg_sqs}});
  optim_detail::check_scalar_states("NAdam", "mu_product", mu_products, params.size());
  const std::vector<double> counts = optim_detail::advance_steps("NAdam", steps, params.size());
  std::vector<NAdamStepScalars> scalars;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double step = counts[i];
    const double mu = momentum_coefficient(options, step), mu_next = momentum_coefficient(options, step + 1);
    const double mu_product =
        optim_detail::update_scalar("NAdam", mu_products[i], [&](auto value) { return value * decltype(value)(mu); });
    scalars.push_back({1 - std::pow(options.beta2, step), -options.lr * (1.0 - mu) / (1.0 - mu_product),
                       (-options.lr * mu_next) / (1.0 - mu_product * mu_next)});
  }
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::nadam_steps(
          group.gpu_slices<T>(members, {0, 1}, [&](size_t i) { return optim_formula::NAdamStep<T>(scalars[i]); }),
          options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "NAdam", [&] {
      cpu::nadam_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                      group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options,
                      scalars[i]);
    });
  });
  group.commit();
}

}  // namespace cr
