// layer_norm and group_norm on one "normalize rows" kernel. The input, made contiguous, is viewed
// as (rows, n); each row is `channels` blocks of `inner` elements sharing one affine weight and
// bias: layer_norm is rows = leading elements, inner = 1 (a weight per element); group_norm is
// rows = N * groups, inner = spatial size (a weight per channel). Rows are normalized in parallel
// with float64 statistics. Backward runs one fused pass per row (grad_input, and the per-thread
// partial sums of grad_weight and grad_bias), or, under create_graph, the same gradients as
// recorded ops, which differentiate again.
#include "ops/layer_norm.h"

#include <cmath>
#include <vector>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/normalize.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// x is (rows, n); block k of row r uses weight index (r % groups) * channels() + k.
struct RowLayout {
  int64_t rows, n, groups, inner;
  int64_t channels() const { return inner == 0 ? 0 : n / inner; }
  int64_t params() const { return groups * channels(); }
  int64_t param_base(int64_t r) const { return r % groups * channels(); }
};

// How an op maps onto the recorded gradient formula: the input reshaped to `rows_view` is
// normalized over `dims`; weight and bias have `param_shape`, are viewed as `param_view` to
// broadcast against the input, and their gradients sum over `param_dims` of the input.
struct RowNormSpec {
  const char* op;
  const char* node;
  RowLayout layout;
  Shape rows_view, param_shape, param_view;
  std::vector<int64_t> dims, param_dims;
};

// fn(b, e) over row ranges; `chunks` fixed pieces when parallel so that partial sums are reproducible.
int64_t chunk_count(const RowLayout& l) {
  return cpu::should_parallelize(l.rows * l.n) ? std::min<int64_t>(cpu::get_num_threads(), l.rows) : 1;
}

template <typename Fn>
void for_chunks(int64_t chunks, int64_t rows, const Fn& fn) {
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) fn(k, rows * k / chunks, rows * (k + 1) / chunks);
  };
  if (chunks > 1) cpu::parallel_for(0, chunks, 1, run);
  else run(0, chunks);
}

// y = (x - mean) * rstd * w + b row by row; mean and rstd (rows,) are written too. w, b may be null.
template <typename T>
void normalize_rows(const T* x, T* y, const T* w, const T* b, double* mean, double* rstd, const RowLayout& l,
                    double eps) {
  for_chunks(chunk_count(l), l.rows, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * l.n;
      T* yr = y + r * l.n;
      const double m = sum_f64(xr, l.n) / static_cast<double>(l.n);
      const double rs = 1 / std::sqrt(squared_deviations(xr, l.n, m) / static_cast<double>(l.n) + eps);
      mean[r] = m, rstd[r] = rs;
      const int64_t base = l.param_base(r);
      if (l.inner == 1) {
        const T tm = static_cast<T>(m), trs = static_cast<T>(rs);
#pragma omp simd
        for (int64_t i = 0; i < l.n; ++i) {
          yr[i] = (xr[i] - tm) * trs * (w ? w[base + i] : T(1)) + (b ? b[base + i] : T(0));
        }
        continue;
      }
      for (int64_t k = 0; k < l.channels(); ++k) {  // one affine map per block of `inner`
        const double scale = rs * (w ? static_cast<double>(w[base + k]) : 1.0);
        const T ts = static_cast<T>(scale), tshift = static_cast<T>((b ? b[base + k] : 0.0) - m * scale);
        const T* xb = xr + k * l.inner;
        T* yb = yr + k * l.inner;
#pragma omp simd
        for (int64_t i = 0; i < l.inner; ++i) yb[i] = xb[i] * ts + tshift;
      }
    }
  });
}

// One row's gradients. With gw = g * w and xhat = (x - mean) * rstd: dx = rstd * (gw - mean(gw) -
// xhat * mean(gw * xhat)); sum(g * xhat) and sum(g) per weight are added to acc_w / acc_b (may be null).
template <typename T>
void row_backward(const T* g, const T* x, const T* w, double m, double rs, T* dx, double* acc_w, double* acc_b,
                  const RowLayout& l, int64_t base) {
  double sum_gw = 0, sum_gwx = 0;  // sum(gw), sum(gw * xhat)
  if (l.inner == 1) {
#pragma omp simd reduction(+ : sum_gw, sum_gwx)
    for (int64_t i = 0; i < l.n; ++i) {
      const double xhat = (x[i] - m) * rs, wi = w ? static_cast<double>(w[base + i]) : 1.0;
      sum_gw += g[i] * wi;
      sum_gwx += g[i] * wi * xhat;
    }
    if (acc_w) {
      for (int64_t i = 0; i < l.n; ++i) acc_w[base + i] += g[i] * ((x[i] - m) * rs);
    }
    if (acc_b) {
      for (int64_t i = 0; i < l.n; ++i) acc_b[base + i] += g[i];
    }
  } else {
    for (int64_t k = 0; k < l.channels(); ++k) {
      const T* gb = g + k * l.inner;
      const T* xb = x + k * l.inner;
      double sum_g = 0, sum_gx = 0;  // sum(g), sum(g * (x - mean)) over the block
#pragma omp simd reduction(+ : sum_g, sum_gx)
      for (int64_t i = 0; i < l.inner; ++i) {
        sum_g += gb[i];
        sum_gx += gb[i] * (xb[i] - m);
      }
      const double wk = w ? static_cast<double>(w[base + k]) : 1.0;
      sum_gw += wk * sum_g;
      sum_gwx += wk * sum_gx * rs;
      if (acc_w) acc_w[base + k] += sum_gx * rs;
      if (acc_b) acc_b[base + k] += sum_g;
    }
  }
  if (!dx) return;
  const double mean_gw = sum_gw / static_cast<double>(l.n), mean_gwx = sum_gwx / static_cast<double>(l.n);
  if (l.inner == 1) {
#pragma omp simd
    for (int64_t i = 0; i < l.n; ++i) {
      const double wi = w ? static_cast<double>(w[base + i]) : 1.0;
      dx[i] = static_cast<T>(rs * (g[i] * wi - mean_gw - (x[i] - m) * rs * mean_gwx));
    }
    return;
  }
  // per block: dx = a * g + b * x + k0, the formula above expanded
  const double b = -rs * rs * mean_gwx, k0 = -rs * mean_gw - b * m;
  for (int64_t k = 0; k < l.channels(); ++k) {
    const T a = static_cast<T>(rs * (w ? static_cast<double>(w[base + k]) : 1.0));
    const T tb = static_cast<T>(b), tk = static_cast<T>(k0);
    const int64_t at = k * l.inner;
#pragma omp simd
    for (int64_t i = 0; i < l.inner; ++i) dx[at + i] = a * g[at + i] + tb * x[at + i] + tk;
  }
}

// All rows: dx (may be null) and the weight / bias gradients (may be null), summed over per-chunk
// float64 partials in a fixed order.
template <typename T>
void normalize_rows_backward(const T* g, const T* x, const T* w, const double* mean, const double* rstd, T* dx,
                             T* dw, T* db, const RowLayout& l) {
  const int64_t chunks = chunk_count(l), params = l.params();
  std::vector<double> partial((dw || db) ? chunks * 2 * params : 0, 0.0);  // per chunk: weight sums, bias sums
  for_chunks(chunks, l.rows, [&](int64_t chunk, int64_t begin, int64_t end) {
    double* acc_w = dw ? partial.data() + chunk * 2 * params : nullptr;
    double* acc_b = db ? partial.data() + chunk * 2 * params + params : nullptr;
    for (int64_t r = begin; r < end; ++r) {
      row_backward(g + r * l.n, x + r * l.n, w, mean[r], rstd[r], dx ? dx + r * l.n : nullptr, acc_w, acc_b, l,
                   l.param_base(r));
    }
  });
  if (partial.empty()) return;
  for (int64_t p = 0; p < params; ++p) {
    double sw = 0, sb = 0;
    for (int64_t k = 0; k < chunks; ++k) sw += partial[k * 2 * params + p];
    for (int64_t k = 0; k < chunks; ++k) sb += partial[k * 2 * params + params + p];
    if (dw) dw[p] = static_cast<T>(sw);
    if (db) db[p] = static_cast<T>(sb);
  }
}

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
  CR_DISPATCH_FLOATING(x->dtype(), spec.op, [&] {
    normalize_rows_backward(gc->data<scalar_t>(), xc->data<scalar_t>(), data_or_null<scalar_t>(wc),
                            mean->data<double>(), rstd->data<double>(), data_or_null<scalar_t>(dx),
                            data_or_null<scalar_t>(dw), data_or_null<scalar_t>(db), spec.layout);
  });
  return {dx, dw, db};
}

// The forward both ops share, given validated arguments, and its recorded backward.
Tensor row_norm(const Tensor& input, const Tensor& weight, const Tensor& bias, double eps, RowNormSpec spec) {
  const RowLayout& l = spec.layout;
  Tensor mean = TensorImpl::empty({l.rows}, DType::Float64, input->device());
  Tensor rstd = TensorImpl::empty({l.rows}, DType::Float64, input->device());
  Tensor y = TensorImpl::empty(input->sizes(), input->dtype(), input->device());
  if (input->numel() > 0) {
    GradModeGuard no_record(false);
    const Tensor x = contiguous(input), w = contiguous_or_null(weight), b = contiguous_or_null(bias);
    CR_DISPATCH_FLOATING(input->dtype(), spec.op, [&] {
      normalize_rows(x->data<scalar_t>(), y->data<scalar_t>(), data_or_null<scalar_t>(w), data_or_null<scalar_t>(b),
                     mean->data<double>(), rstd->data<double>(), l, eps);
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
  const RowLayout layout{n == 0 ? 0 : input->numel() / n, n, 1, 1};
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
