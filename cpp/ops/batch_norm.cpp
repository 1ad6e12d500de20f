// batch_norm: the input, made contiguous, is viewed as (N, C, S) with S the product of the spatial
// dims. Training: one parallel pass over channels computes each channel's mean and biased variance
// (two passes over its N blocks of S elements, accumulated in float64), then every (n, c) block is
// mapped to x * scale[c] + shift[c]. Backward (NativeBatchNormBackward0) runs one fused kernel per
// channel giving grad_input, grad_weight and grad_bias together, or, under create_graph, the same
// gradients as recorded ops. Evaluation is an affine map per channel, whose backward is recorded.
#include "ops/batch_norm.h"

#include <cmath>
#include <vector>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "ops/copy.h"
#include "ops/normalize.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

constexpr const char* kOp = "batch_norm";

struct Layout {
  int64_t n, c, s;  // the input as (N, C, S)
  int64_t per_channel() const { return n * s; }
  int64_t numel() const { return n * c * s; }
};

Layout layout_of(const Tensor& x) {
  Layout l{x->size(0), x->size(1), 1};
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

// fn(c) for every channel, split across threads when the input is large.
template <typename Fn>
void for_each_channel(const Layout& l, const Fn& fn) {
  auto range = [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) fn(c);
  };
  if (cpu::should_parallelize(l.numel())) {
    cpu::parallel_for(0, l.c, std::max<int64_t>(1, cpu::kMinChunk / std::max<int64_t>(1, l.per_channel())), range);
  } else {
    range(0, l.c);
  }
}

// Channel c's mean and biased variance: x is (N, C, S); float64 sums, two passes.
// Channel c's mean and biased variance; x is (N, C, S).
template <typename T>
void channel_stats(const T* x, const Layout& l, int64_t c, double& mean, double& var) {
  double total = 0, squares = 0;
  for (int64_t n = 0; n < l.n; ++n) total += sum_f64(x + (n * l.c + c) * l.s, l.s);
  mean = total / static_cast<double>(l.per_channel());
  for (int64_t n = 0; n < l.n; ++n) squares += squared_deviations(x + (n * l.c + c) * l.s, l.s, mean);
  var = squares / static_cast<double>(l.per_channel());
}

// y = x * scale[c] + shift[c] for every (n, c) block of S elements; x and y are (N, C, S).
template <typename T>
void channel_affine(const T* x, T* y, const T* scale, const T* shift, const Layout& l) {
  auto blocks = [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const T k = scale[nc % l.c], m = shift[nc % l.c];
      const T* in = x + nc * l.s;
      T* out = y + nc * l.s;
#pragma omp simd
      for (int64_t i = 0; i < l.s; ++i) out[i] = in[i] * k + m;
    }
  };
  if (cpu::should_parallelize(l.numel())) {
    cpu::parallel_for(0, l.n * l.c, std::max<int64_t>(1, cpu::kMinChunk / std::max<int64_t>(1, l.s)), blocks);
  } else {
    blocks(0, l.n * l.c);
  }
}

// The per-channel map normalizing with `mean` and `rstd` then applying weight and bias (either null).
template <typename T>
void affine_coefficients(const double* mean, const double* rstd, const T* w, const T* b, int64_t channels,
                         std::vector<T>& scale, std::vector<T>& shift) {
  scale.resize(channels);
  shift.resize(channels);
  for (int64_t c = 0; c < channels; ++c) {
    const double k = rstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
    scale[c] = static_cast<T>(k);
    shift[c] = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - mean[c] * k);
  }
}

const double* f64(const Tensor& t) { return t->data<double>(); }

// sum_g += sum(g), sum_gx += sum(g * (x - m)) over one contiguous block of n elements.
template <typename T>
void block_sums(const T* g, const T* x, int64_t n, double m, double& sum_g, double& sum_gx) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (int64_t i = 0; i < n; ++i) {
    a += g[i];
    b += g[i] * (x[i] - m);
  }
  sum_g += a;
  sum_gx += b;
}

// dx = a * g + b * x + k over one contiguous block of n elements.
template <typename T>
void block_linear(const T* g, const T* x, T* dx, int64_t n, T a, T b, T k) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dx[i] = a * g[i] + b * x[i] + k;
}

// One pass per channel over g and x (both (N, C, S)): grad_bias = sum(g), grad_weight =
// sum(g * xhat) and dx = w * rstd * (g - mean(g) - xhat * mean(g * xhat)). Null outputs are skipped.
template <typename T>
void backward_kernel(const T* g, const T* x, const T* w, const double* mean, const double* rstd, T* dx, T* dw,
                     T* db, const Layout& l) {
  const double count = static_cast<double>(l.per_channel());
  for_each_channel(l, [&](int64_t c) {
    const double m = mean[c];
    double sum_g = 0, sum_gx = 0;  // sum(g), sum(g * (x - mean))
    for (int64_t n = 0; n < l.n; ++n) {
      const int64_t at = (n * l.c + c) * l.s;
      block_sums(g + at, x + at, l.s, m, sum_g, sum_gx);
    }
    if (dw) dw[c] = static_cast<T>(sum_gx * rstd[c]);
    if (db) db[c] = static_cast<T>(sum_g);
    if (!dx) return;
    // dx = a * g + b * x + k0, the formula above expanded with xhat = (x - mean) * rstd
    const double a = (w ? static_cast<double>(w[c]) : 1.0) * rstd[c];
    const double b = -a * rstd[c] * rstd[c] * sum_gx / count;
    const T ta = static_cast<T>(a), tb = static_cast<T>(b), tk = static_cast<T>(-a * sum_g / count - b * m);
    for (int64_t n = 0; n < l.n; ++n) {
      const int64_t at = (n * l.c + c) * l.s;
      block_linear(g + at, x + at, dx + at, l.s, ta, tb, tk);
    }
  });
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
  const Layout l = layout_of(x);
  const Tensor gc = contiguous(g), xc = contiguous(x), wc = contiguous_or_null(w);
  Tensor dx = need_x ? TensorImpl::empty(x->sizes(), x->dtype(), x->device()) : nullptr;
  Tensor dw = need_w ? TensorImpl::empty({l.c}, x->dtype(), x->device()) : nullptr;
  Tensor db = need_b ? TensorImpl::empty({l.c}, x->dtype(), x->device()) : nullptr;
  CR_DISPATCH_FLOATING(x->dtype(), kOp, [&] {
    backward_kernel<scalar_t>(gc->data<scalar_t>(), xc->data<scalar_t>(), data_or_null<scalar_t>(wc), f64(mean),
                              f64(rstd), data_or_null<scalar_t>(dx), data_or_null<scalar_t>(dw),
                              data_or_null<scalar_t>(db), l);
  });
  return {dx, dw, db};
}

// running = (1 - momentum) * running + momentum * batch, through the (C,) tensor's stride.
template <typename T>
void update_running(const Tensor& running, const std::vector<double>& batch, double momentum) {
  T* data = running->data<T>();
  const int64_t stride = running->stride(0);
  for (size_t c = 0; c < batch.size(); ++c) {
    T& r = data[static_cast<int64_t>(c) * stride];
    r = static_cast<T>((1 - momentum) * static_cast<double>(r) + momentum * batch[c]);
  }
  running->bump_version();
}

Tensor batch_norm_training(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                           const Tensor& weight, const Tensor& bias, double momentum, double eps) {
  const Layout l = layout_of(input);
  CR_CHECK(l.per_channel() != 1, ValueError, kOp,
           ": expected more than 1 value per channel when training, got input of shape ", input->sizes());
  Tensor mean = TensorImpl::empty({l.c}, DType::Float64, input->device());
  Tensor rstd = TensorImpl::empty({l.c}, DType::Float64, input->device());
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  std::vector<double> batch_var(l.c);
  {
    GradModeGuard no_record(false);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    CR_DISPATCH_FLOATING(input->dtype(), kOp, [&] {
      const scalar_t* xd = x->data<scalar_t>();
      double *md = mean->data<double>(), *rd = rstd->data<double>();
      for_each_channel(l, [&](int64_t c) {
        channel_stats(xd, l, c, md[c], batch_var[c]);
        rd[c] = 1 / std::sqrt(batch_var[c] + eps);
      });
      std::vector<scalar_t> scale, shift;
      affine_coefficients(md, rd, data_or_null<scalar_t>(w), data_or_null<scalar_t>(b), l.c, scale, shift);
      channel_affine(xd, y->data<scalar_t>(), scale.data(), shift.data(), l);
      if (running_mean && l.per_channel() > 0) {
        const double unbias = static_cast<double>(l.per_channel()) / static_cast<double>(l.per_channel() - 1);
        std::vector<double> unbiased(l.c);
        for (int64_t c = 0; c < l.c; ++c) unbiased[c] = batch_var[c] * unbias;
        update_running<scalar_t>(running_mean, std::vector<double>(md, md + l.c), momentum);
        update_running<scalar_t>(running_var, unbiased, momentum);
      }
    });
  }
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
  const Layout l = layout_of(input);
  Tensor mean, rstd;  // in the input's dtype, for the recorded backward
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  {
    GradModeGuard no_record(false);
    mean = clone(running_mean);
    rstd = unary(UnaryOp::Rsqrt, running_var + eps);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    const Tensor mean64 = to_dtype(mean, DType::Float64), rstd64 = to_dtype(rstd, DType::Float64);
    CR_DISPATCH_FLOATING(input->dtype(), kOp, [&] {
      std::vector<scalar_t> scale, shift;
      affine_coefficients(f64(mean64), f64(rstd64), data_or_null<scalar_t>(w), data_or_null<scalar_t>(b), l.c, scale,
                          shift);
      channel_affine(x->data<scalar_t>(), y->data<scalar_t>(), scale.data(), shift.data(), l);
    });
  }
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
  if (training) {
    CR_CHECK(eps > 0, ValueError, kOp, ": eps must be positive during training, but got ", eps);
    return batch_norm_training(input, running_mean, running_var, weight, bias, momentum, eps);
  }
  CR_CHECK(eps >= 0, ValueError, kOp, ": eps must be non-negative, but got ", eps);
  CR_CHECK(running_mean, RuntimeError, kOp, ": running_mean and running_var must be defined in evaluation mode");
  return batch_norm_eval(input, running_mean, running_var, weight, bias, eps);
}

}  // namespace cr
