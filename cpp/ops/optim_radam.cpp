// RAdam (rectified Adam; coupled or decoupled weight decay, maximize), fused over a parameter group
// (torch.optim.RAdam's _single_tensor_radam formulas: the rectification in double like torch's Python
// floats; steps whose approximated SMA length is <= 5 take the un-adapted momentum step).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// Per-parameter scalars of one step.
struct RAdamStepScalars {
  double bias_correction1;       // 1 - beta1^step
  double bias_correction2_sqrt;  // (1 - beta2^step)^0.5
  double rect;                   // the variance rectification term
  bool adaptive;                 // rho_t > 5: use the adaptive (rectified) step
};

// p, g, m (exp_avg), v (exp_avg_sq) are (n,) slices of one parameter and its state.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay, bool kAdaptive>
CR_OPTIM_KERNEL void radam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                  int64_t n, const RAdamOptions& o, const RAdamStepScalars& s) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay);
  const T decay_factor = T(1 - o.lr * o.weight_decay), lr = T(o.lr);
  const T avg_weight = T(1 - o.beta1), beta2 = T(o.beta2), sq_weight = T(1 - o.beta2), eps = T(o.eps);
  const T bias_correction1 = T(s.bias_correction1), bc2_sqrt = T(s.bias_correction2_sqrt), rect = T(s.rect);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    T pj = p[j];
    if constexpr (kDecoupledDecay) pj = pj * decay_factor;
    if constexpr (kCoupledDecay) d = d + weight_decay * pj;
    const T mj = optim_detail::lerp(m[j], d, avg_weight);
    const T vj = v[j] * beta2 + sq_weight * d * d;
    m[j] = mj;
    v[j] = vj;
    const T corrected_avg = mj / bias_correction1;
    if constexpr (kAdaptive) {
      // torch's float / tensor is tensor.reciprocal() * float
      const T adaptive_lr = T(1) / (std::sqrt(vj) + eps) * bc2_sqrt;
      p[j] = pj - corrected_avg * lr * adaptive_lr * rect;
    } else {
      p[j] = pj - corrected_avg * lr;
    }
  }
}

RAdamStepScalars radam_scalars(const RAdamOptions& o, double step) {
  const double bias_correction1 = 1 - std::pow(o.beta1, step), bias_correction2 = 1 - std::pow(o.beta2, step);
  const double rho_inf = 2 / (1 - o.beta2) - 1;  // the maximum length of the approximated SMA
  const double rho_t = rho_inf - 2 * step * std::pow(o.beta2, step) / bias_correction2;
  const bool adaptive = rho_t > 5.0;
  const double rect =
      adaptive ? std::pow((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t), 0.5) : 0.0;
  return {bias_correction1, std::pow(bias_correction2, 0.5), rect, adaptive};
}

}  // namespace

void radam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& steps, const RAdamOptions& options) {
  optim_detail::FusedGroup group("RAdam", params, grads, {{"exp_avg", &exp_avgs}, {"exp_avg_sq", &exp_avg_sqs}});
  std::vector<RAdamStepScalars> scalars;
  for (double step : optim_detail::advance_steps("RAdam", steps, params.size()))
    scalars.push_back(radam_scalars(options, step));
  const bool decay = options.weight_decay != 0;
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "RAdam", [&] {
      optim_detail::with_flags(
          [&](auto coupled_decay, auto decoupled_decay, auto adaptive) {
            radam_kernel<scalar_t, decltype(coupled_decay)::value, decltype(decoupled_decay)::value,
                         decltype(adaptive)::value>(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                                                    group.state<scalar_t>(0, i) + begin,
                                                    group.state<scalar_t>(1, i) + begin, end - begin, options,
                                                    scalars[i]);
          },
          decay && !options.decoupled_weight_decay, decay && options.decoupled_weight_decay, scalars[i].adaptive);
    });
  });
  group.commit();
}

}  // namespace cr
