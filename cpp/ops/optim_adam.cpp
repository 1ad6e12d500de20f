// Adam and AdamW (decoupled weight decay), with amsgrad and maximize, fused over a parameter group
// (torch.optim.Adam's _single_tensor_adam formulas; bias corrections in double like torch's Python
// floats, then rounded to the parameter's dtype).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// Per-parameter scalars of one step, from its step count.
struct AdamStepScalars {
  double step_size;              // lr / (1 - beta1^step)
  double bias_correction2_sqrt;  // sqrt(1 - beta2^step)
};

// p, g, m (exp_avg), v (exp_avg_sq), vmax (max_exp_avg_sq, used with kAmsgrad) are (n,) slices.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAmsgrad>
CR_OPTIM_KERNEL void adam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                 T* __restrict vmax, int64_t n, const AdamOptions& o, const AdamStepScalars& s) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay);
  const T decay_factor = T(1 - o.lr * o.weight_decay);
  const T avg_weight = T(1 - o.beta1), beta2 = T(o.beta2), sq_weight = T(1 - o.beta2), eps = T(o.eps);
  const T neg_step_size = T(-s.step_size), bc2_sqrt = T(s.bias_correction2_sqrt);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    T pj = p[j];
    if constexpr (kDecoupledDecay) pj = pj * decay_factor;
    if constexpr (kCoupledDecay) d = d + weight_decay * pj;
    const T mj = optim_detail::lerp(m[j], d, avg_weight);
    T vj = v[j] * beta2 + sq_weight * d * d;
    m[j] = mj;
    v[j] = vj;
    if constexpr (kAmsgrad) vj = vmax[j] = optim_detail::nan_max(vmax[j], vj);
    const T denom = std::sqrt(vj) / bc2_sqrt + eps;
    p[j] = pj + neg_step_size * mj / denom;
  }
}

}  // namespace

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
  const bool decay = options.weight_decay != 0;
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), name, [&] {
      scalar_t* vmax = options.amsgrad ? group.state<scalar_t>(2, i) + begin : nullptr;
      optim_detail::with_flags(
          [&](auto coupled_decay, auto decoupled_decay, auto amsgrad) {
            adam_kernel<scalar_t, decltype(coupled_decay)::value, decltype(decoupled_decay)::value,
                        decltype(amsgrad)::value>(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                                                  group.state<scalar_t>(0, i) + begin,
                                                  group.state<scalar_t>(1, i) + begin, vmax, end - begin, options,
                                                  scalars[i]);
          },
          decay && !options.decoupled_weight_decay, decay && options.decoupled_weight_decay, options.amsgrad);
    });
  });
  group.commit();
}

}  // namespace cr
