// SGD with momentum, dampening, Nesterov, weight decay and maximize, fused over a parameter group
// (torch.optim.SGD's _single_tensor_sgd formulas).
#include "core/error.h"
#include "ops/optim_group.h"

namespace cr {
namespace {

// p, g, buf are (n,) slices of one parameter, its gradient and its momentum buffer (used with
// kMomentum; kFirstStep fills it with the gradient). The scalars are rounded to T first, as torch
// rounds a float tensor's alpha.
template <typename T, bool kDecay, bool kMomentum, bool kFirstStep, bool kNesterov>
CR_OPTIM_KERNEL void sgd_kernel(T* __restrict p, const T* __restrict g, T* __restrict buf, int64_t n,
                                const SGDOptions& o) {
  const T sign = o.maximize ? T(-1) : T(1), weight_decay = T(o.weight_decay), momentum = T(o.momentum);
  const T keep = T(1 - o.dampening), neg_lr = T(-o.lr);
  for (int64_t j = 0; j < n; ++j) {
    T d = sign * g[j];
    if constexpr (kDecay) d = d + weight_decay * p[j];
    if constexpr (kMomentum) {
      const T b = kFirstStep ? d : buf[j] * momentum + keep * d;
      buf[j] = b;
      d = kNesterov ? d + momentum * b : b;
    }
    p[j] = p[j] + neg_lr * d;
  }
}

}  // namespace

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
  group.for_each_chunk([&](size_t i, int64_t begin, int64_t end) {
    CR_DISPATCH_FLOATING(group.dtype(i), "SGD", [&] {
      scalar_t* buf = use_momentum ? group.state<scalar_t>(0, i) + begin : nullptr;
      optim_detail::with_flags(
          [&](auto decay, auto momentum, auto first_step, auto nesterov) {
            sgd_kernel<scalar_t, decltype(decay)::value, decltype(momentum)::value, decltype(first_step)::value,
                       decltype(nesterov)::value>(group.param<scalar_t>(i) + begin, group.grad<scalar_t>(i) + begin,
                                                  buf, end - begin, options);
          },
          options.weight_decay != 0, use_momentum, use_momentum && buffer_is_new[i], use_momentum && options.nesterov);
    });
  });
  group.commit();
}

}  // namespace cr
