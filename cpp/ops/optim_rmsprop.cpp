// RMSprop (centered, momentum, weight decay, maximize), fused over a parameter group by the kernels
// of cpu/optim.h or, for GPU parameters, the multi-tensor ones of cuda/optim.h
// (torch.optim.RMSprop's _single_tensor_rmsprop formulas).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

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
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      const int avg = options.centered ? int(avg_list) : group.kNoState;
      const int buf = options.momentum > 0 ? int(buf_list) : group.kNoState;
      cuda::rmsprop_steps(group.gpu_slices<T>(members, {0, avg, buf}, [](size_t) { return cuda::NoScalars{}; }),
                          options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "RMSprop", [&] {
      scalar_t* avg = options.centered ? group.state<scalar_t>(avg_list, i) + begin : nullptr;
      scalar_t* buf = options.momentum > 0 ? group.state<scalar_t>(buf_list, i) + begin : nullptr;
      cpu::rmsprop_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                        group.state<scalar_t>(0, i) + begin, avg, buf, end - begin, options);
    });
  });
  group.commit();
}

}  // namespace cr
