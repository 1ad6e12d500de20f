// Adadelta (weight decay, maximize), fused over a parameter group by the kernels of cpu/optim.h or,
// for GPU parameters, the multi-tensor ones of cuda/optim.h (torch.optim.Adadelta's
// _single_tensor_adadelta formulas).
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void adadelta_step(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& acc_deltas, const TensorList& steps, const AdadeltaOptions& options) {
  optim_detail::FusedGroup group("Adadelta", params, grads, {{"square_avg", &square_avgs}, {"acc_delta", &acc_deltas}});
  optim_detail::advance_steps("Adadelta", steps, params.size());  // kept like torch, unused by the update
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::adadelta_steps(group.gpu_slices<T>(members, {0, 1}, [](size_t) { return cuda::NoScalars{}; }), options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "Adadelta", [&] {
      cpu::adadelta_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                         group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin,
                         options);
    });
  });
  group.commit();
}

}  // namespace cr
