// Adagrad (lr decay, weight decay, maximize), fused over a parameter group by the kernels of
// cpu/optim.h (torch.optim.Adagrad's _single_tensor_adagrad formulas, dense gradients).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const TensorList& steps, const AdagradOptions& options) {
  optim_detail::FusedGroup group("Adagrad", params, grads, {{"sum", &state_sums}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adagrad", steps, params.size()))
    clrs.push_back(options.lr / (1 + (step - 1) * options.lr_decay));
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adagrad", [&] {
      cpu::adagrad_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                        group.state<scalar_t>(0, i) + begin, end - begin, options, clrs[i]);
    });
  });
  group.commit();
}

}  // namespace cr
