// batch_norm: checks its arguments and runs the kernels of cpu/batch_norm.h (or cuda/batch_norm.h,
// chosen by the input's device in each call below) on the input made
// contiguous and viewed as (N, C, S), S the product of the spatial dims. Training takes each
// channel's batch statistics, normalizes with them and updates the running statistics; backward
// (NativeBatchNormBackward0) runs the fused backward kernel, or, under create_graph, the same
// gradients as recorded ops. Evaluation is the same affine map per channel with the running
// statistics, whose backward is recorded.
#include "ops/batch_norm.h"

#include <vector>

#include "autograd/record.h"
#include "cpu/batch_norm.h"
#include "cuda/batch_norm.h"
#include "ops/copy.h"
#include "ops/float32_staging.h"
#include "ops/normalize.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

constexpr const char* kOp = "batch_norm";

BatchNormShape layout_of(const Tensor& x) {
  BatchNormShape l{x->size(0), x->size(1), 1};
  for (int64_t d = 2; d < x->dim(); ++d) l.s *= x->size(d);
  return l;
}

// The dims statistics are taken over: every dim but the channel dim 1.
std::vector<int64_t> reduced_dims(int64_t ndim) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < ndim; ++d) dims.push_back(d);
  return dims;
}

// (1, C, 1, ...): a (C,) parameter shaped to broadcast against an input of ndim dims.
Shape channel_shape(int64_t c, int64_t ndim) {
  Shape s(static_cast<size_t>(ndim), 1);
  s[1] = c;
  return s;
}

// Training backward: fused kernel, or recorded ops under create_graph.
TensorList training_backward(const Tensor& g, const Tensor& x, const Tensor& w, const Tensor& mean,
                             const Tensor& rstd, double eps, const Node& node) {
  const bool need_x = node.needs_input_grad(0), need_w = node.needs_input_grad(1), need_b = node.needs_input_grad(2);
  const std::vector<int64_t> dims = reduced_dims(x->dim());
  if (GradMode::is_enabled()) {  // create_graph: recorded ops, so that this differentiates again
    const Normalized nx = normalize_recorded(x, dims, eps);
    const Tensor gxhat = w ? g * view(w, channel_shape(x->size(1), x->dim())) : g;
    return {need_x ? normalized_input_grad_recorded(gxhat, nx, dims) : nullptr,
            need_w ? sum(g * nx.xhat, dims) : nullptr, need_b ? sum(g, dims) : nullptr};
  }
  const BatchNormShape l = layout_of(x);
  const Tensor gc = contiguous(g), xc = contiguous(x), wc = contiguous_or_null(w);
  Tensor dx = need_x ? TensorImpl::empty(x->sizes(), x->dtype(), x->device()) : nullptr;
  Tensor dw = need_w ? TensorImpl::empty({l.c}, x->dtype(), x->device()) : nullptr;
  Tensor db = need_b ? TensorImpl::empty({l.c}, x->dtype(), x->device()) : nullptr;
  if (!x->device().is_cpu()) {  // the family's dispatch point (here and below)
    cuda::batch_norm_backward(x->dtype(), gc->device_data(), xc->device_data(), device_data_or_null(wc), f64(mean),
                              f64(rstd), l, device_data_or_null(dx), device_data_or_null(dw), device_data_or_null(db));
  } else CR_DISPATCH_FLOATING(x->dtype(), kOp, [&] {
    cpu::batch_norm_backward(gc->data<scalar_t>(), xc->data<scalar_t>(), data_or_null<scalar_t>(wc), f64(mean),
                             f64(rstd), l, data_or_null<scalar_t>(dx), data_or_null<scalar_t>(dw),
                             data_or_null<scalar_t>(db));
  });
  return {dx, dw, db};
}

// running = (1 - momentum) * running + momentum * stats * scale, through the (C,) tensor's stride.
void update_running(const Tensor& running, const Tensor& stats, double scale, double momentum) {
  const int64_t channels = running->size(0), stride = running->stride(0);
  if (!running->device().is_cpu()) {
    cuda::batch_norm_update_running(running->dtype(), f64(stats), channels, scale, momentum, running->device_data(),
                                    stride);
  } else CR_DISPATCH_FLOATING(running->dtype(), kOp, [&] {
    cpu::batch_norm_update_running(f64(stats), channels, scale, momentum, running->data<scalar_t>(), stride);
  });
  running->bump_version();
}

Tensor batch_norm_training(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                           const Tensor& weight, const Tensor& bias, double momentum, double eps) {
  const BatchNormShape l = layout_of(input);
  CR_CHECK(l.per_channel() != 1, ValueError, kOp,
           ": expected more than 1 value per channel when training, got input of shape ", input->sizes());
  Tensor mean = TensorImpl::empty({l.c}, DType::Float64, input->device());
  Tensor rstd = TensorImpl::empty({l.c}, DType::Float64, input->device());
  Tensor var = TensorImpl::empty({l.c}, DType::Float64, input->device());  // biased
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  {
    GradModeGuard no_record(false);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    if (!y->device().is_cpu()) {
      cuda::batch_norm_stats(x->dtype(), x->device_data(), l, eps, f64(mean), f64(var), f64(rstd));
      cuda::batch_norm_apply(x->dtype(), x->device_data(), f64(mean), f64(rstd), device_data_or_null(w),
                             device_data_or_null(b), l, y->device_data());
    } else CR_DISPATCH_FLOATING(input->dtype(), kOp, [&] {
      const scalar_t* xd = x->data<scalar_t>();
      cpu::batch_norm_stats(xd, l, eps, f64(mean), f64(var), f64(rstd));
      cpu::batch_norm_apply(xd, f64(mean), f64(rstd), data_or_null<scalar_t>(w), data_or_null<scalar_t>(b), l,
                            y->data<scalar_t>());
    });
    if (running_mean && l.per_channel() > 0) {
      const double unbias = static_cast<double>(l.per_channel()) / static_cast<double>(l.per_channel() - 1);
      update_running(running_mean, mean, 1.0, momentum);
      update_running(running_var, var, unbias, momentum);
    }
  }
  y = in_inputs_format(y, {&input});
  if (needs_grad({&input, &weight, &bias})) {
    record("NativeBatchNormBackward0", {input, weight, bias}, {y},
           [sx = SavedTensor(input, false), sw = weight ? SavedTensor(weight, false) : SavedTensor(), mean, rstd,
            eps](const TensorList& g, const Node& n) -> TensorList {
             return training_backward(g[0], sx.unpack(n), sw.unpack(n), mean, rstd, eps, n);
           });
  }
  return y;
}

// Evaluation: y = (x - running_mean) * rsqrt(running_var + eps) * weight + bias, an affine map.
// Its backward is recorded ops on the statistics as they were at the forward.
Tensor batch_norm_eval(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, double eps) {
  const BatchNormShape l = layout_of(input);
  Tensor mean, rstd;  // in the input's dtype, for the recorded backward
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  {
    GradModeGuard no_record(false);
    mean = clone(running_mean);
    rstd = unary(UnaryOp::Rsqrt, running_var + eps);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    const Tensor mean64 = to_dtype(mean, DType::Float64), rstd64 = to_dtype(rstd, DType::Float64);
    if (!y->device().is_cpu()) {
      cuda::batch_norm_apply(x->dtype(), x->device_data(), f64(mean64), f64(rstd64), device_data_or_null(w),
                             device_data_or_null(b), l, y->device_data());
    } else CR_DISPATCH_FLOATING(input->dtype(), kOp, [&] {
      cpu::batch_norm_apply(x->data<scalar_t>(), f64(mean64), f64(rstd64), data_or_null<scalar_t>(w),
                            data_or_null<scalar_t>(b), l, y->data<scalar_t>());
    });
  }
  y = in_inputs_format(y, {&input});
  if (needs_grad({&input, &weight, &bias})) {
    const Shape cs = channel_shape(l.c, input->dim());
    record("NativeBatchNormBackward0", {input, weight, bias}, {y},
           [sx = SavedTensor(input, false), sw = weight ? SavedTensor(weight, false) : SavedTensor(),
            mean = view(mean, cs), rstd = view(rstd, cs)](const TensorList& g, const Node& n) -> TensorList {
             const std::vector<int64_t> dims = reduced_dims(g[0]->dim());
             const Tensor w = sw.unpack(n);
             Tensor dx, dw, db;
             if (n.needs_input_grad(0)) dx = g[0] * (w ? view(w, mean->sizes()) * rstd : rstd);
             if (n.needs_input_grad(1)) dw = sum(g[0] * ((sx.unpack(n) - mean) * rstd), dims);
             if (n.needs_input_grad(2)) db = sum(g[0], dims);
             return {dx, dw, db};
           });
  }
  return y;
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_norm_input(input, 2, kOp);
  const Shape channels{input->size(1)};
  check_norm_param(weight, "weight", channels, input, kOp);
  check_norm_param(bias, "bias", channels, input, kOp);
  check_norm_param(running_mean, "running_mean", channels, input, kOp);
  check_norm_param(running_var, "running_var", channels, input, kOp);
  CR_CHECK(!running_mean == !running_var, ValueError, kOp,
           ": running_mean and running_var must be given together, got only ",
           running_mean ? "running_mean" : "running_var");
  if (any_reduced_float({&input, &weight, &bias, &running_mean, &running_var})) {
    // 16-bit floats: normalized in float32 (the running statistics too), each result rounded once
    const Tensor mean32 = float32_standin(running_mean), var32 = float32_standin(running_var);
    Tensor y = batch_norm(widened(input), mean32, var32, widened(weight), widened(bias), training, momentum, eps);
    if (training && running_mean) {
      write_back(running_mean, mean32), write_back(running_var, var32);
      running_mean->bump_version(), running_var->bump_version();
    }
    return to_dtype(y, input->dtype());
  }
  if (training) {
    CR_CHECK(eps > 0, ValueError, kOp, ": eps must be positive during training, but got ", eps);
    return batch_norm_training(input, running_mean, running_var, weight, bias, momentum, eps);
  }
  CR_CHECK(eps >= 0, ValueError, kOp, ": eps must be non-negative, but got ", eps);
  CR_CHECK(running_mean, RuntimeError, kOp, ": running_mean and running_var must be defined in evaluation mode");
  return batch_norm_eval(input, running_mean, running_var, weight, bias, eps);
}

}  // namespace cr
