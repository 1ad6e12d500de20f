// Backward formulas of the reductions, as recorded ops (see reduce_backward.h); reduce.cpp records
// the nodes that call them.
#include "ops/reduce_backward.h"

#include "autograd/grad_mode.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
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

Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim) {
  if (x->dim() == 0) return g;  // as PyTorch: the product of one number is that number, also at inf
  const Shape& in = x->sizes();
  Tensor is_zero = eq(x, Scalar(0.0));
  Tensor x_safe = where(is_zero, ones({}, x->dtype(), x->device()), x);
  // Away from zeros: out / x. Where a group has zeros, out is 0 and this stays 0 for the nonzero
  // elements, with the right derivative w.r.t. the zero (through out).
  Tensor others = expand_reduced(out, in, mask, keepdim) / x_safe;
  bool has_zero;
  {
    GradModeGuard no_record(false);
    has_zero = *any(is_zero)->data<bool>();
  }
  if (has_zero) {  // a group's only zero gets the product of the rest
    Tensor lone_zero = binary(BinaryOp::LogicalAnd, is_zero, eq(group_sum(is_zero, mask), Scalar(int64_t{1})));
    Tensor rest = prod(x_safe, dims_of(mask, in.size()), true);
    others = where(lone_zero, rest, others);
  }
  return expand_reduced(g, in, mask, keepdim) * others;
}

Tensor extremes_backward(const Tensor& g, const Tensor& x, const Tensor& out, uint32_t mask, bool keepdim,
                         NanExtreme nan_extreme) {
  Tensor out_kept = keep_reduced(out, x->dim(), mask, keepdim);
  Tensor g_kept = keep_reduced(g, x->dim(), mask, keepdim);
  Tensor hit = eq(x, out_kept);
  if (nan_extreme == NanExtreme::NoElement) return g_kept / group_sum(hit, mask) * to_dtype(hit, g->dtype());
  Tensor both_nan = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Ne, x, x), binary(BinaryOp::Ne, out_kept, out_kept));
  hit = binary(BinaryOp::LogicalOr, hit, both_nan);
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
