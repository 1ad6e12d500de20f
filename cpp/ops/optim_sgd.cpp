// SGD with momentum, dampening, Nesterov, weight decay and maximize, fused over a parameter group by
// the kernels of cpu/optim.h or, for GPU parameters, cuda/optim.h (torch.optim.SGD's
// _single_tensor_sgd formulas).
#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void sgd_step(const TensorList& params, const TensorList& grads, const TensorList& momentum_buffers,
              const std::vector<bool>& buffer_is_new, const SGDOptions& options) {
  const bool use_momentum = options.momentum != 0;
  std::vector<optim_detail::StateList> states;
  if (use_momentum) {
    states.push_back({"momentum_buffer", &momentum_buffers});
    CR_CHECK(buffer_is_new.size() == params.size(), ValueError, "SGD: got ", buffer_is_new.size(),
             " buffer_is_new flags for ", params.size(), " parameters");
  }
  optim_detail::FusedGroup group("SGD", params, grads, states);
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      const int buffer_list = use_momentum ? 0 : group.kNoState;
      auto first_step = [&](size_t i) -> bool { return use_momentum && buffer_is_new[i]; };
      cuda::sgd_steps(group.gpu_slices<T>(members, {buffer_list}, first_step), options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "SGD", [&] {
      scalar_t* buf = use_momentum ? group.state<scalar_t>(0, i) + begin : nullptr;
      cpu::sgd_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin, buf, end - begin, options,
                    use_momentum && buffer_is_new[i]);
    });
  });
  group.commit();
}

}  // namespace cr
