// layer_norm and group_norm: both check their arguments, make the input contiguous and run the
// "normalize rows" kernel of cpu/layer_norm.h (cuda/layer_norm.h on a GPU) on it, layer_norm with one row per leading index,
// group_norm with one row per (sample, group). Backward (NativeLayerNormBackward0,
// NativeGroupNormBackward0) runs the fused backward kernel, or, under create_graph, the same
// gradients as recorded ops, which differentiate again.
#include "ops/layer_norm.h"

#include <algorithm>
#include <vector>

#include "autograd/record.h"
#include "cpu/layer_norm.h"
#include "cuda/layer_norm.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/float32_staging.h"
#include "ops/normalize.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// How an op maps onto the recorded gradient formula: the input reshaped to `rows_view` is
// normalized over `dims`; weight and bias have `param_shape`, are viewed as `param_view` to
// broadcast against the input, and their gradients sum over `param_dims` of the input.
struct RowNormSpec {
  const char* op;
  const char* node;
  RowNormShape layout;
  Shape rows_view, param_shape, param_view;
  std::vector<int64_t> dims, param_dims;
};

// A sum over `dims`, or t itself when there is nothing to sum (an empty list would sum everything).
Tensor sum_over(const Tensor& t, const std::vector<int64_t>& dims) { return dims.empty() ? t : sum(t, dims); }

TensorList row_norm_backward(const Tensor& g, const Tensor& x, const Tensor& w, const Tensor& mean,
                             const Tensor& rstd, double eps, const RowNormSpec& spec, const Node& node) {
  const bool need_x = node.needs_input_grad(0), need_w = node.needs_input_grad(1), need_b = node.needs_input_grad(2);
  if (GradMode::is_enabled()) {  // create_graph: recorded ops, so that this differentiates again
    const Normalized nx = normalize_recorded(reshape(x, spec.rows_view), spec.dims, eps);
    const Tensor gxhat = reshape(w ? g * view(w, spec.param_view) : g, spec.rows_view);
    const Tensor xhat = reshape(nx.xhat, x->sizes());
    return {need_x ? reshape(normalized_input_grad_recorded(gxhat, nx, spec.dims), x->sizes()) : nullptr,
            need_w ? sum_over(g * xhat, spec.param_dims) : nullptr, need_b ? sum_over(g, spec.param_dims) : nullptr};
  }
  const Tensor gc = contiguous(g), xc = contiguous(x), wc = contiguous_or_null(w);
  Tensor dx = need_x ? TensorImpl::empty(x->sizes(), x->dtype(), x->device()) : nullptr;
  // zeros: with no spatial positions (inner = 0) the kernel sees no blocks to sum
  Tensor dw = need_w ? zeros(w->sizes(), x->dtype(), x->device()) : nullptr;
  Tensor db = need_b ? zeros(spec.param_shape, x->dtype(), x->device()) : nullptr;
  if (!x->device().is_cpu()) {  // the family's dispatch point (here and in row_norm)
    cuda::normalize_rows_backward(x->dtype(), gc->device_data(), xc->device_data(), device_data_or_null(wc), f64(mean),
                                  f64(rstd), spec.layout, device_data_or_null(dx), device_data_or_null(dw),
                                  device_data_or_null(db));
  } else CR_DISPATCH_FLOATING(x->dtype(), spec.op, [&] {
    cpu::normalize_rows_backward(gc->data<scalar_t>(), xc->data<scalar_t>(), data_or_null<scalar_t>(wc),
                                 mean->data<double>(), rstd->data<double>(), spec.layout, data_or_null<scalar_t>(dx),
                                 data_or_null<scalar_t>(dw), data_or_null<scalar_t>(db));
  });
  return {dx, dw, db};
}

// The forward both ops share, given validated arguments, and its recorded backward.
Tensor row_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps, RowNormSpec spec) {
  if (any_reduced_float({&input, &weight, &bias})) {  // 16-bit floats: normalized in float32, rounded once
    return to_dtype(row_norm(widened(input), widened(weight), widened(bias), eps, spec), input->dtype());
  }
  const RowNormShape& l = spec.layout;
  Tensor mean = TensorImpl::empty({l.rows}, DType::Float64, input->device());
  Tensor rstd = TensorImpl::empty({l.rows}, DType::Float64, input->device());
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  if (input->numel() > 0) {
    GradModeGuard no_record(false);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    if (!y->device().is_cpu()) {
      cuda::normalize_rows(x->dtype(), x->device_data(), device_data_or_null(w), device_data_or_null(b), l, eps,
                           y->device_data(), f64(mean), f64(rstd));
    } else CR_DISPATCH_FLOATING(input->dtype(), spec.op, [&] {
      cpu::normalize_rows(x->data<scalar_t>(), data_or_null<scalar_t>(w), data_or_null<scalar_t>(b), l, eps,
                          y->data<scalar_t>(), mean->data<double>(), rstd->data<double>());
    });
  }
  if (needs_grad({&input, &weight, &bias})) {
    record(spec.node, {input, weight, bias}, {y},
           [sx = SavedTensor(input, false), sw = weight ? SavedTensor(weight, false) : SavedTensor(), mean, rstd, eps,
            spec](const TensorList& g, const Node& n) -> TensorList {
             return row_norm_backward(g[0], sx.unpack(n), sw.unpack(n), mean, rstd, eps, spec, n);
           });
  }
  return y;
}

std::vector<int64_t> dim_range(int64_t begin, int64_t end) {
  std::vector<int64_t> dims;
  for (int64_t d = begin; d < end; ++d) dims.push_back(d);
  return dims;
}

}  // namespace

Tensor layer_norm(const Tensor& input, const Shape& normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  constexpr const char* op = "layer_norm";
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  CR_CHECK(k >= 1, ValueError, op, ": expected normalized_shape to have at least 1 dimension, got ()");
  check_norm_input(input, 0, op);
  const int64_t lead = input->dim() - k;
  const bool matches = lead >= 0 && std::equal(normalized_shape.begin(), normalized_shape.end(),
                                                input->sizes().begin() + std::max<int64_t>(lead, 0));
  CR_CHECK(matches, ValueError, op, ": normalized_shape ", normalized_shape,
           " does not match the trailing dimensions of the input of shape ", input->sizes());
  check_norm_param(weight, "weight", normalized_shape, input, op);
  check_norm_param(bias, "bias", normalized_shape, input, op);
  const int64_t n = shape_numel(normalized_shape);
  const RowNormShape layout{n == 0 ? 0 : input->numel() / n, n, 1, 1};
  return row_norm(input, weight, bias, eps,
                  {op, "NativeLayerNormBackward0", layout, input->sizes(), normalized_shape, normalized_shape,
                   dim_range(lead, input->dim()), dim_range(0, lead)});
}

Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight, const Tensor& bias, double eps) {
  constexpr const char* op = "group_norm";
  check_norm_input(input, 2, op);
  const int64_t batch = input->size(0), channels = input->size(1);
  CR_CHECK(num_groups > 0 && channels % num_groups == 0, ValueError, op,
           ": expected the number of channels to be divisible by num_groups, got input of shape ", input->sizes(),
           " and num_groups=", num_groups);
  const Shape param_shape{channels};
  check_norm_param(weight, "weight", param_shape, input, op);
  check_norm_param(bias, "bias", param_shape, input, op);
  int64_t spatial = 1;
  for (int64_t d = 2; d < input->dim(); ++d) spatial *= input->size(d);
  const int64_t per_group = channels / num_groups * spatial;
  CR_CHECK(batch * per_group != 1, ValueError, op,
           ": expected more than 1 value per group, got input of shape ", input->sizes(),
           " and num_groups=", num_groups);
  Shape param_view(static_cast<size_t>(input->dim()), 1);
  param_view[1] = channels;
  std::vector<int64_t> param_dims = dim_range(1, input->dim());
  param_dims[0] = 0;  // every dim but the channel dim
  return row_norm(input, weight, bias, eps,
                  {op, "NativeGroupNormBackward0", {batch * num_groups, per_group, num_groups, spatial},
                   {batch, num_groups, per_group}, param_shape, param_view, {2}, param_dims});
}

}  // namespace cr
