// RAdam (rectified Adam; coupled or decoupled weight decay, maximize), fused over a parameter group
// by the kernels of cpu/optim.h or, for GPU parameters, the multi-tensor ones of cuda/optim.h
// (torch.optim.RAdam's _single_tensor_radam formulas: the rectification in double like torch's
// Python floats; steps whose approximated SMA length is <= 5 take the un-adapted momentum step).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

RAdamStepScalars radam_scalars(const RAdamOptions& o, double step) {
  const double bias_correction1 = 1 - std::pow(o.beta1, step), bias_correction2 = 1 - std::pow(o.beta2, step);
  const double rho_inf = 2 / (1 - o.beta2) - 1;  // the maximum length of the approximated SMA
  const double rho_t = rho_inf - 2 * step * std::pow(o.beta2, step) / bias_correction2;
  const bool adaptive = rho_t > 5.0;
  const double rect =
      adaptive ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5) : 0.0;
  return {bias_correction1, std::pow(bias_correction2, 0.5), rect, adaptive};
}

}  // namespace

void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& steps, const RAdamOptions& options) {
  optim_detail::FusedGroup group("RAdam", params, grads, {{"exp_avg", &exp_avgs}, {"exp_avg_sq", &exp_avg_sqs}});
  std::vector<RAdamStepScalars> scalars;
  for (double step : optim_detail::advance_steps("RAdam", steps, params.size()))
    scalars.push_back(radam_scalars(options, step));
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::radam_steps(
          group.gpu_slices<T>(members, {0, 1}, [&](size_t i) { return optim_formula::RAdamStep<T>(scalars[i]); }),
          options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "RAdam", [&] {
      cpu::radam_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                      group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options,
                      scalars[i]);
    });
  });
  group.commit();
}

}  // namespace cr
