// The special functions (ops/special.h): the formulas of core/special_formulas.h on the CPU's
// elementwise loop or the GPU's kernel, and their recorded derivatives.
#include "ops/special.h"

#include <cmath>

#include "autograd/record.h"
#include "core/default_dtype.h"
#include "core/special_formulas.h"
#include "cuda/special.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

const char* op_name(SpecialOp op, int64_t n) {
  switch (op) {
    case SpecialOp::Lgamma: return "lgamma";
    case SpecialOp::Polygamma: return n == 0 ? "digamma" : "polygamma";
    case SpecialOp::Erfinv: return "erfinv";
    case SpecialOp::Erfc: return "erfc";
  }
  return "special";
}

const char* node_name(SpecialOp op, int64_t n) {
  switch (op) {
    case SpecialOp::Lgamma: return "LgammaBackward0";
    case SpecialOp::Polygamma: return n == 0 ? "DigammaBackward0" : "PolygammaBackward0";
    case SpecialOp::Erfinv: return "ErfinvBackward0";
    case SpecialOp::Erfc: return "ErfcBackward0";
  }
  return "SpecialBackward0";
}

// out = f(x), x already in out's dtype; the family's dispatch point.
void launch(SpecialOp op, int64_t n, const Tensor& out, const Tensor& x) {
  if (staged_in_float32(out, [&](const Tensor& o, const Tensor& in) { launch(op, n, o, in); }, x)) return;
  const Shape& shape = out->sizes();
  if (!out->device().is_cpu()) {
    return cuda::special_kernel(op, n, out->dtype(), shape, device_operand(out, shape), device_operand(x, shape));
  }
  CR_DISPATCH_FLOATING(out->dtype(), op_name(op, n), [&] {
    using T = scalar_t;
    switch (op) {
      case SpecialOp::Lgamma: return unary_kernel<T, T>(out, x, [](T v) -> T { return std::lgamma(v); });
      case SpecialOp::Polygamma: return unary_kernel<T, T>(out, x, [n](T v) { return special_math::polygamma(n, v); });
      case SpecialOp::Erfinv: return unary_kernel<T, T>(out, x, [](T v) { return special_math::erfinv(v); });
      case SpecialOp::Erfc: return unary_kernel<T, T>(out, x, [](T v) { return special_math::erfc(v); });
    }
  });
}

// d f / d x given the output's gradient g, the input x and the output y, with ops.
Tensor derivative(SpecialOp op, int64_t n, const Tensor& g, const Tensor& x, const Tensor& y) {
  switch (op) {
    case SpecialOp::Lgamma: return g * special(SpecialOp::Polygamma, x, 0);
    case SpecialOp::Polygamma: return g * special(SpecialOp::Polygamma, x, n + 1);
    case SpecialOp::Erfinv: return g * (std::sqrt(special_math::kPi) / 2) * unary(UnaryOp::Exp, y * y);
    case SpecialOp::Erfc: return -2 / std::sqrt(special_math::kPi) * unary(UnaryOp::Exp, -unary(UnaryOp::Square, x)) * g;
  }
  return nullptr;
}

DType result_dtype(const Tensor& x) { return is_floating(x->dtype()) ? x->dtype() : default_float_dtype(); }

void check(SpecialOp op, int64_t n) {
  CR_CHECK(op != SpecialOp::Polygamma || n >= 0, RuntimeError, "polygamma(n, x) does not support negative n, got ", n);
}

}  // namespace

Tensor special(SpecialOp op, const Tensor& x, int64_t n) {
  check(op, n);
  Tensor out = TensorImpl::empty(x->sizes(), result_dtype(x), x->device());
  {
    GradModeGuard no_record(false);
    launch(op, n, out, to_dtype(x, out->dtype()));
  }
  if (needs_grad({&x}) && is_floating(x->dtype())) {
    const bool uses_output = op == SpecialOp::Erfinv;
    record(node_name(op, n), {x}, {out},
           [op, n, sx = uses_output ? SavedTensor() : SavedTensor(x, false, "self"),
            sy = uses_output ? SavedTensor(out, true, "result") : SavedTensor()](const TensorList& g, const Node& node) {
             return TensorList{derivative(op, n, g[0], sx.unpack(node), sy.unpack(node))};
           });
  }
  return out;
}

void special_(SpecialOp op, const Tensor& self, int64_t n) {
  check(op, n);
  const char* name = op_name(op, n);
  CR_CHECK(is_floating(self->dtype()), RuntimeError, name, "_: result type ", dtype_name(default_float_dtype()),
           " can't be cast to the in-place tensor's dtype ", dtype_name(self->dtype()));
  if (in_place_needs_grad(self, {}, str_cat(name, "_").c_str())) return rebase_history(self, special(op, clone(self), n));
  launch(op, n, self, self);
  self->bump_version();
}

}  // namespace cr
