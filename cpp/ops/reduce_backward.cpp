// Backward formulas of the reductions, as recorded ops (see reduce_backward.h); reduce.cpp records
// the nodes that call them.
#include "ops/reduce_backward.h"

#include "autograd/grad_mode.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/join.h"
#include "ops/rearrange.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

std::vector<int64_t> dims_of(uint32_t mask, size_t ndim) {
  std::vector<int64_t> dims;
  for (size_t d = 0; d < ndim; ++d) {
    if (mask >> d & 1) dims.push_back(static_cast<int64_t>(d));
  }
  return dims;
}

// A reduction's output (or its gradient) with the reduced dims back as size-1 dims.
Tensor keep_reduced(const Tensor& r, size_t ndim, uint32_t mask, bool keepdim) {
  Tensor kept = r;
  if (!keepdim) {
    for (size_t d = 0; d < ndim; ++d) {
      if (mask >> d & 1) kept = unsqueeze(kept, static_cast<int64_t>(d));
    }
  }
  return kept;
}

// Per-group sum with the reduced dims kept (size 1).
Tensor group_sum(const Tensor& t, uint32_t mask) { return sum(t, dims_of(mask, t->dim()), true); }

Tensor eq(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Eq, a, b); }
Tensor eq(const Tensor& a, const Scalar& b) { return binary(BinaryOp::Eq, a, b); }
Tensor pow(const Tensor& a, double p) { return binary(BinaryOp::Pow, a, Scalar(p)); }
Tensor zero_like_dtype(const Tensor& t) { return zeros({}, t->dtype(), t->device()); }

// num / den where `den_is_zero` is false and 0 elsewhere, with no inf or NaN in either branch
// (so that double backward through the untaken branch stays finite).
Tensor div_or_zero(const Tensor& num, const Tensor& den, const Tensor& den_is_zero) {
  Tensor safe_den = where(den_is_zero, ones({}, den->dtype(), den->device()), den);
  return where(den_is_zero, zero_like_dtype(num), num / safe_den);
}

}  // namespace

Tensor expand_reduced(const Tensor& g, const Shape& in, uint32_t mask, bool keepdim) {
  return expand(keep_reduced(g, in.size(), mask, keepdim), in);
}

namespace {

// prod_{j < i} t_j along the last dim (of size n), by a doubling scan of recorded ops.
Tensor exclusive_prefix_products(const Tensor& t) {
  const int64_t last = t->dim() - 1, n = t->sizes()[last];
  Shape one_column = t->sizes();
  one_column[last] = 1;
  Tensor scan = cat({ones(one_column, t->dtype(), t->device()), narrow(t, last, 0, n - 1)}, last);
  for (int64_t shift = 1; shift < n; shift *= 2) {
    Shape head = t->sizes();
    head[last] = shift;
    scan = scan * cat({ones(head, t->dtype(), t->device()), narrow(scan, last, 0, n - shift)}, last);
  }
  return scan;
}

// Each element's group product without that element, as PyTorch's prod_safe_zeros_backward
// computes it (products before it times products after it, no division): the reduced dims are
// moved last and flattened into one.
Tensor exclusive_products(const Tensor& x, uint32_t mask) {
  Shape order, rows;
  int64_t group = 1;
  for (int64_t pass = 0; pass < 2; ++pass) {  // kept dims, then reduced ones
    for (int64_t d = 0; d < x->dim(); ++d) {
      if ((mask >> d & 1) != pass) continue;
      order.push_back(d);
      if (pass == 0) rows.push_back(x->sizes()[d]);
      else group *= x->sizes()[d];
    }
  }
  Tensor moved = permute(x, order);
  rows.push_back(group);
  Tensor flat = reshape(moved, rows);
  const int64_t last = static_cast<int64_t>(rows.size()) - 1;
  Tensor after = flip(exclusive_prefix_products(flip(flat, {last})), {last});
  Tensor products = reshape(exclusive_prefix_products(flat) * after, moved->sizes());
  Shape inverse(order.size());
  for (size_t i = 0; i < order.size(); ++i) inverse[order[i]] = static_cast<int64_t>(i);
  return permute(products, inverse);
}

}  // namespace

Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim, bool whole) {
  if (x->dim() == 0) return g;  // as PyTorch: the product of one number is that number, also at inf
  const Shape& in = x->sizes();
  int64_t zeros_count;
  {
    GradModeGuard no_record(false);
    zeros_count = *to_host(sum(eq(x, Scalar(0.0)), std::nullopt, false))->data<int64_t>();
  }
  // As PyTorch: out / x with no zero in the input; else the products of the others, which stay
  // right at zeros, NaN and inf (zeros for the product of all elements with 2+ zeros, unless the
  // backward is itself recorded).
  if (zeros_count == 0) return expand_reduced(g, in, mask, keepdim) * (expand_reduced(out, in, mask, keepdim) / x);
  if (whole && zeros_count > 1 && !GradMode::is_enabled()) return zeros(in, g->dtype(), g->device());
  return expand_reduced(g, in, mask, keepdim) * exclusive_products(x, mask);
}

Tensor extremes_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim,
                         NanExtreme nan_extreme) {
  Tensor out_kept = keep_reduced(out, x->dim(), mask, keepdim);
  Tensor g_kept = keep_reduced(g, x->dim(), mask, keepdim);
  Tensor hit = eq(x, out_kept);
  if (nan_extreme == NanExtreme::NoElement) return g_kept / group_sum(hit, mask) * to_dtype(hit, g->dtype());
  Tensor both_nan = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Ne, x, x), binary(BinaryOp::Ne, out_kept, out_kept));
  hit = binary(BinaryOp::LogicalOr, hit, both_nan);
  if (nan_extreme == NanExtreme::NanElementsScaled) return g_kept / group_sum(hit, mask) * to_dtype(hit, g->dtype());
  return where(hit, g_kept / group_sum(hit, mask), zero_like_dtype(g));
}

Tensor selected_backward(const Tensor& g, const Tensor& indices, const Shape& in, int64_t dim, bool keepdim) {
  if (in.size() == 0) return g;
  Shape along(in.size(), 1);  // positions 0..n-1 laid along dim: (1, .., n, .., 1)
  along[dim] = in[dim];
  Tensor positions = reshape(arange(Scalar(int64_t{0}), Scalar(in[dim]), Scalar(int64_t{1}), DType::Int64, g->device()), along);
  Tensor chosen = eq(positions, keepdim ? indices : unsqueeze(indices, dim));  // in's shape
  return where(chosen, keepdim ? g : unsqueeze(g, dim), zero_like_dtype(g));
}

Tensor var_backward(const Tensor& g, const Tensor& x, uint32_t mask, bool keepdim, double dof) {
  Tensor deviation = x - mean(x, dims_of(mask, x->dim()), true);
  return keep_reduced(g, x->dim(), mask, keepdim) * deviation * (2.0 / dof);
}

Tensor std_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim, double dof) {
  Tensor var_grad = div_or_zero(g, out * 2.0, eq(out, Scalar(0.0)));
  return var_backward(var_grad, x, mask, keepdim, dof);
}

Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& out, double p, uint32_t mask, bool keepdim) {
  Tensor g_kept = keep_reduced(g, x->dim(), mask, keepdim), norm_kept = keep_reduced(out, x->dim(), mask, keepdim);
  Tensor magnitude = unary(UnaryOp::Abs, x), sign = unary(UnaryOp::Sign, x);
  if (p < 1) {  // |x|^(p-1) is infinite at 0: those elements get 0
    Tensor x_is_zero = eq(x, Scalar(0.0));
    Tensor scaled = sign * where(x_is_zero, zero_like_dtype(x), pow(where(x_is_zero, ones({}, x->dtype(), x->device()), magnitude), p - 1));
    return scaled * g_kept * pow(norm_kept, 1 - p);
  }
  Tensor scale = div_or_zero(g_kept, p == 2 ? norm_kept : pow(norm_kept, p - 1), eq(norm_kept, Scalar(0.0)));
  Tensor direction = p == 2 ? x : p > 2 ? x * pow(magnitude, p - 2) : sign * pow(magnitude, p - 1);
  return direction * scale;
}

Tensor cumsum_backward(const Tensor& g, int64_t dim) {
  if (g->dim() == 0) return g;
  return sum(g, std::vector<int64_t>{dim}, true) - cumsum(g, dim) + g;
}

}  // namespace cr
