// Adamax (Adam with an infinity norm; weight decay, maximize), fused over a parameter group by the
// kernels of cpu/optim.h or, for GPU parameters, the multi-tensor ones of cuda/optim.h
// (torch.optim.Adamax's _single_tensor_adamax formulas; the bias-corrected rate in double).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const TensorList& steps, const AdamaxOptions& options) {
  optim_detail::FusedGroup group("Adamax", params, grads, {{"exp_avg", &exp_avgs}, {"exp_inf", &exp_infs}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adamax", steps, params.size()))
    clrs.push_back(options.lr / (1 - std::pow(options.beta1, step)));
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::adamax_steps(
          group.gpu_slices<T>(members, {0, 1}, [&](size_t i) { return optim_formula::NegatedRate<T>(clrs[i]); }),
          options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adamax", [&] {
      cpu::adamax_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                       group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options,
                       clrs[i]);
    });
  });
  group.commit();
}

}  // namespace cr
