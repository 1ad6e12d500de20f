// Adagrad (lr decay, weight decay, maximize), fused over a parameter group by the kernels of
// cpu/optim.h or, for GPU parameters, the multi-tensor ones of cuda/optim.h (torch.optim.Adagrad's
// _single_tensor_adagrad formulas, dense gradients).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void adagrad_step(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                  const TensorList& steps, const AdagradOptions& options) {
  optim_detail::FusedGroup group("Adagrad", params, grads, {{"sum", &state_sums}});
  std::vector<double> clrs;
  for (double step : optim_detail::advance_steps("Adagrad", steps, params.size()))
    clrs.push_back(options.lr / (1 + (step - 1) * options.lr_decay));
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::adagrad_steps(
          group.gpu_slices<T>(members, {0}, [&](size_t i) { return optim_formula::NegatedRate<T>(clrs[i]); }), options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adagrad", [&] {
      cpu::adagrad_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                        group.state<scalar_t>(0, i) + begin, end - begin, options, clrs[i]);
    });
  });
  group.commit();
}

}  // namespace cr
