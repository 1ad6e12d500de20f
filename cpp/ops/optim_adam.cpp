// Adam and AdamW (decoupled weight decay), with amsgrad and maximize, fused over a parameter group by
// the kernels of cpu/optim.h or, for GPU parameters, cuda/optim.h (torch.optim.Adam's
// _single_tensor_adam formulas; bias corrections in double like torch's Python floats, then rounded
// to the parameter's dtype).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void adam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
               const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const TensorList& steps,
               const AdamOptions& options) {
  const char* name = options.decoupled_weight_decay ? "AdamW" : "Adam";
  std::vector<optim_detail::StateList> states{{"exp_avg", &exp_avgs}, {"exp_avg_sq", &exp_avg_sqs}};
  if (options.amsgrad) states.push_back({"max_exp_avg_sq", &max_exp_avg_sqs});
  optim_detail::FusedGroup group(name, params, grads, states);
  std::vector<AdamStepScalars> scalars;
  for (double step : optim_detail::advance_steps(name, steps, params.size()))
    scalars.push_back({options.lr / (1 - std::pow(options.beta1, step)), std::sqrt(1 - std::pow(options.beta2, step))});
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      const int vmax_list = options.amsgrad ? 2 : group.kNoState;
      cuda::adam_steps(group.gpu_slices<T>(members, {0, 1, vmax_list},
                                           [&](size_t i) { return optim_formula::AdamStep<T>(scalars[i]); }),
                       options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), name, [&] {
      scalar_t* vmax = options.amsgrad ? group.state<scalar_t>(2, i) + begin : nullptr;
      cpu::adam_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                     group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, vmax, end - begin,
                     options, scalars[i]);
    });
  });
  group.commit();
}

}  // namespace cr
