// Input checks and recorded normalization gradients shared by the normalization ops.
#include "ops/normalize.h"

#include "ops/copy.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"

namespace cr {

Tensor contiguous_or_null(const Tensor& t) { return t ? contiguous(t) : nullptr; }

void check_norm_input(const Tensor& x, int64_t min_dim, const char* op) {
  CR_CHECK(x, TypeError, op, ": expected an input tensor, got None");
  CR_CHECK(is_floating(x->dtype()), DTypeError, op, ": expected a float32 or float64 input, got a ", describe(x));
  CR_CHECK(x->dim() >= min_dim, ValueError, op, ": expected an input with at least ", min_dim,
           " dimensions, got a ", describe(x));
}

void check_norm_param(const Tensor& param, const char* name, const Shape& expected, const Tensor& x, const char* op) {
  if (!param) return;
  common_device(op, {&x, &param});
  CR_CHECK(param->sizes() == expected, ValueError, op, ": expected ", name, " of shape ", expected,
           " for an input of shape ", x->sizes(), ", got ", name, " of shape ", param->sizes());
  // a 16-bit input may come with float32 parameters (mixed precision), as PyTorch's CPU norms allow
  const bool mixed = is_reduced_float(x->dtype()) && param->dtype() == DType::Float32;
  CR_CHECK(param->dtype() == x->dtype() || mixed, RuntimeError, op, ": expected ", name, " to have the input's dtype ",
           x->dtype(), ", got ", param->dtype());
}

Normalized normalize_recorded(const Tensor& x, const std::vector<int64_t>& dims, double eps) {
  Tensor centered = x - mean(x, dims, true);
  Tensor rstd = unary(UnaryOp::Rsqrt, mean(centered * centered, dims, true) + eps);
  return {centered * rstd, rstd};
}

Tensor normalized_input_grad_recorded(const Tensor& gxhat, const Normalized& n, const std::vector<int64_t>& dims) {
  return n.rstd * (gxhat - mean(gxhat, dims, true) - n.xhat * mean(gxhat * n.xhat, dims, true));
}

}  // namespace cr
