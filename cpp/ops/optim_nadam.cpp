// NAdam (Nesterov-accelerated Adam with momentum decay; coupled or decoupled weight decay, maximize),
// fused over a parameter group (torch.optim.NAdam's _single_tensor_nadam formulas: the momentum
// coefficients and step sizes in double like torch's Python floats, mu_product in its own dtype).
#include <cmath>

#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// Per-parameter scalars of one step.
struct NAdamStepScalars {
  double bias_correction2;  // 1 - beta2^step
  double grad_step;         // -lr * (1 - mu) / (1 - mu_product)
  double avg_step;          // -lr * mu_next / (1 - mu_product * mu_next)
};

// p, g, m (exp_avg), v (exp_avg_sq) are (n,) slices of one parameter and its state.
template <typename T, bool kCoupledDecay, bool kDecoupledDecay>
CR_OPTIM_KERNEL void nadam_kernel(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                                  int64_t n, const NAdamOptions& o, const NAdamStepScalars& s) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay);
  const T decay_factor = T(1 - o.lr * o.weight_decay);
  const T avg_weight = T(1 - o.beta1), beta2 = T(o.beta2), sq_weight = T(1 - o.beta2), eps = T(o.eps);
  const T bias_correction2 = T(s.bias_correction2), grad_step = T(s.grad_step), avg_step = T(s.avg_step);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    T pj = p[j];
    if constexpr (kDecoupledDecay) pj = pj * decay_factor;
    if constexpr (kCoupledDecay) d = d + weight_decay * pj;
    const T mj = optim_detail::lerp(m[j], d, avg_weight);
    const T vj = v[j] * beta2 + sq_weight * d * d;
    m[j] = mj;
    v[j] = vj;
    const T denom = std::sqrt(vj / bias_correction2) + eps;
    pj = pj + grad_step * d / denom;
    p[j] = pj + avg_step * mj / denom;
  }
}

// torch's momentum coefficient mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)).
double momentum_coefficient(const NAdamOptions& o, double step) {
  return o.beta1 * (1.0 - 0.5 * std::pow(0.96, step * o.momentum_decay));
}

}  // namespace

void nadam_step(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& mu_products, const TensorList& steps,
                const NAdamOptions& options) {
  optim_detail::FusedGroup group("NAdam", params, grads, {{"exp_avg", &exp_avgs}, {"exp_avg_sq", &exp_avg_sqs}});
  optim_detail::check_scalar_states("NAdam", "mu_product", mu_products, params.size());
  const std::vector<double> counts = optim_detail::advance_steps("NAdam", steps, params.size());
  std::vector<NAdamStepScalars> scalars;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double step = counts[i];
    const double mu = momentum_coefficient(options, step), mu_next = momentum_coefficient(options, step + 1);
    const double mu_product =
        optim_detail::update_scalar("NAdam", mu_products[i], [&](auto value) { return value * decltype(value)(mu); });
    scalars.push_back({1 - std::pow(options.beta2, step), -options.lr * (1.0 - mu) / (1.0 - mu_product),
                       (-options.lr * mu_next) / (1.0 - mu_product * mu_next)});
  }
  const bool decay = options.weight_decay != 0;
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "NAdam", [&] {
      optim_detail::with_flags(
          [&](auto coupled_decay, auto decoupled_decay) {
            nadam_kernel<scalar_t, decltype(coupled_decay)::value, decltype(decoupled_decay)::value>(
                group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                group.state<scalar_t>(0, i) + begin, group.state<scalar_t>(1, i) + begin, end - begin, options,
                scalars[i]);
          },
          decay && !options.decoupled_weight_decay, decay && options.decoupled_weight_decay);
    });
  });
  group.commit();
}

}  // namespace cr
