// Adamax (Adam with an infinity norm; weight decay, maximize), fused over a parameter group by the
// kernels of cpu/optim.h (torch.optim.Adamax's _single_tensor_adamax formulas; the bias-corrected
// rate in double).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {

void adamax_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                 const TensorList& exp_infs, const TensorList& steps, const AdamaxOptions& options) {
  optim_detail::FusedGroup group("Adamax", params, grads, {{"exp_avg", &exp_avgs}, {"exp_inf", &exp_infs}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adamax", steps, params.size()))
    clrs.push_back(options.lr / (1 - std::pow(options.beta1, step)));
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
