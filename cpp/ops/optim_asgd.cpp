// ASGD (averaged SGD; weight decay, maximize), fused over a parameter group by the kernels of
// cpu/optim.h or, for GPU parameters, the multi-tensor ones of cuda/optim.h (torch.optim.ASGD's
// _single_tensor_asgd formulas). Per parameter, the scalars eta (this step's learning rate) and mu
// (the averaging weight) are one-element float tensors like step; they are read before the update
// and set for the next step after it (computed in double and rounded to float32, as torch does).
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "cuda/optim.h"
#include "ops/optim_group.h"

namespace cr {

void asgd_step(const TensorList& params, const TensorList& grads, const TensorList& axs, const TensorList& etas,
               const TensorList& mus, const TensorList& steps, const ASGDOptions& options) {
  optim_detail::FusedGroup group("ASGD", params, grads, {{"ax", &axs}});
  optim_detail::check_scalar_states("ASGD", "eta", etas, params.size());
  optim_detail::check_scalar_states("ASGD", "mu", mus, params.size());
  const std::vector<double> counts = optim_detail::advance_steps("ASGD", steps, params.size());
  std::vector<ASGDStepScalars> scalars;
  for (size_t i = 0; i < counts.size(); ++i) {
    scalars.push_back({optim_detail::scalar_value(etas[i]), optim_detail::scalar_value(mus[i])});
    const double step = counts[i];
    // torch computes these in double and makes them float32 tensors (torch.as_tensor of a Python
    // float, the default dtype) before copying them into the state, whatever the state's dtype.
    const float next_eta =
        static_cast<float>(options.lr / std::pow(1 + options.lambd * options.lr * step, options.alpha));
    const float next_mu = static_cast<float>(1 / std::max(1.0, step - options.t0));
    optim_detail::update_scalar("ASGD", etas[i], [&](auto value) { return static_cast<decltype(value)>(next_eta); });
    optim_detail::update_scalar("ASGD", mus[i], [&](auto value) { return static_cast<decltype(value)>(next_mu); });
  }
  if (group.on_gpu()) {  // the family's dispatch point: one launch for many parameters of a dtype
    group.for_each_dtype([&](auto tag, const std::vector<size_t>& members) {
      using T = decltype(tag);
      cuda::asgd_steps(
          group.gpu_slices<T>(members, {0}, [&](size_t i) { return optim_formula::ASGDStep<T>(options, scalars[i]); }),
          options);
    });
    return group.commit();
  }
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "ASGD", [&] {
      cpu::asgd_step(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                     group.state<scalar_t>(0, i) + begin, end - begin, options, scalars[i]);
    });
  });
  group.commit();
}

}  // namespace cr
