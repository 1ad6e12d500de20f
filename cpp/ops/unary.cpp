// Unary elementwise ops and clamp. Math functions of integer tensors compute in float32, as in
// PyTorch; sign-like ops keep the dtype.
#include <cmath>
#include <limits>

#include "autograd/record.h"
#include "core/default_dtype.h"
#include "core/sign_formulas.h"
#include "cpu/vec_math.h"
#include "cuda/elementwise.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/tensor_math.h"

namespace cr {

const char* unary_op_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "sign", "relu", "square", "floor", "ceil", "round", "trunc",
                                "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt", "rsqrt",
                                "reciprocal", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "asin",
                                "acos", "atan", "sinh", "cosh", "logical_not", "bitwise_not"};
  return names[static_cast<int>(op)];
}

namespace {

bool keeps_dtype(UnaryOp op) { return op <= UnaryOp::Trunc; }

DType unary_dtype(UnaryOp op, DType in) {
  const char* name = unary_op_name(op);
  if (op == UnaryOp::LogicalNot) return DType::Bool;
  if (op == UnaryOp::BitwiseNot) {
    CR_CHECK(!is_floating(in), DTypeError, name, ": needs an integer or bool tensor, got ", dtype_name(in));
    return in;
  }
  if (in == DType::Bool && op == UnaryOp::Sign) return DType::Bool;     // as in PyTorch
  if (in == DType::Bool && op == UnaryOp::Square) return DType::Int64;  // as in PyTorch (pow(x, 2))
  if (keeps_dtype(op)) {
    CR_CHECK(in != DType::Bool, DTypeError, name, ": bool tensors are not supported",
             op == UnaryOp::Neg ? "; use ~ or logical_not() to negate a mask" : "");
    return in;
  }
  return is_floating(in) ? in : default_float_dtype();
}

// out = op(a), computed in T on elements stored as S (a 16-bit float's S runs float formulas).
template <typename T, typename S = T>
void run_formula(UnaryOp op, const Tensor& out, const Tensor& a) {
  if constexpr (std::is_same_v<T, bool>) {
    if (op == UnaryOp::LogicalNot || op == UnaryOp::BitwiseNot) {
      return unary_kernel<bool, bool>(out, a, [](bool x) { return !x; });
    }
    if (op == UnaryOp::Sign) return unary_kernel<bool, bool>(out, a, [](bool x) { return x; });
  } else {
    switch (op) {
      case UnaryOp::Neg: return unary_kernel<S, S>(out, a, [](T x) -> T { return -x; });
      case UnaryOp::Abs: return unary_kernel<S, S>(out, a, [](T x) { return absolute(x); });
      case UnaryOp::Sign: return unary_kernel<S, S>(out, a, [](T x) { return sign_of(x); });
      case UnaryOp::Relu: return unary_kernel<S, S>(out, a, [](T x) -> T { return x > T(0) ? x : (x == x ? T(0) : x); });
      case UnaryOp::Square: return unary_kernel<S, S>(out, a, [](T x) -> T { return x * x; });
      case UnaryOp::LogicalNot: return unary_kernel<bool, S>(out, a, [](T x) { return x == T(0); });
      default: break;
    }
  }
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    switch (op) {
      case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
        return unary_kernel<S, S>(out, a, [](T x) { return x; });
      case UnaryOp::BitwiseNot: return unary_kernel<S, S>(out, a, [](T x) { return ~x; });
      default: break;
    }
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Floor: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::floor(x); });
      case UnaryOp::Ceil: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::ceil(x); });
      case UnaryOp::Round: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::nearbyint(x); });
      case UnaryOp::Trunc: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::trunc(x); });
      case UnaryOp::Exp: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::exp(x); });
      case UnaryOp::Log: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::log(x); });
      case UnaryOp::Log2: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::log2(x); });
      case UnaryOp::Log10: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::log10(x); });
      case UnaryOp::Log1p: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::log1p(x); });
      case UnaryOp::Expm1: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::expm1(x); });
      case UnaryOp::Sqrt: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::sqrt(x); });
      case UnaryOp::Rsqrt: return unary_kernel<S, S>(out, a, [](T x) -> T { return T(1) / std::sqrt(x); });
      case UnaryOp::Reciprocal: return unary_kernel<S, S>(out, a, [](T x) -> T { return T(1) / x; });
      case UnaryOp::Sin: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::sin(x); });
      case UnaryOp::Cos: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::cos(x); });
      case UnaryOp::Tan: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::tan(x); });
      case UnaryOp::Tanh: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::tanh(x); });
      case UnaryOp::Sigmoid: return unary_kernel<S, S>(out, a, [](T x) { return cpu::vec::sigmoid(x); });
      case UnaryOp::Erf: return unary_kernel<S, S>(out, a, [](T x) CR_ALWAYS_INLINE { return cpu::vec::erf(x); });
      case UnaryOp::Asin: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::asin(x); });
      case UnaryOp::Acos: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::acos(x); });
      case UnaryOp::Atan: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::atan(x); });
      case UnaryOp::Sinh: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::sinh(x); });
      case UnaryOp::Cosh: return unary_kernel<S, S>(out, a, [](T x) -> T { return std::cosh(x); });
      default: break;
    }
  }
  CR_FAIL(DTypeError, unary_op_name(op), ": not supported for dtype ", dtype_name(dtype_of<T>::value));
}

// The family's dispatch point: the GPU's kernel for CUDA tensors, else the CPU formulas.
void launch(UnaryOp op, const Tensor& out, const Tensor& a) {
  if (is_reduced_float(out->dtype()) && a->dtype() == out->dtype() && out->device().is_cpu()) {
    return CR_DISPATCH_REDUCED_FLOAT(out->dtype(), unary_op_name(op), [&] { run_formula<float, scalar_t>(op, out, a); });
  }
  if (staged_in_float32(out, [&](const Tensor& o, const Tensor& x) { launch(op, o, x); }, a)) return;
  // LogicalNot reads its input as is; every other op reads in the output's dtype.
  Tensor in = op == UnaryOp::LogicalNot ? a : to_dtype(a, out->dtype());
  if (!out->device().is_cpu()) {
    const Shape& shape = out->sizes();
    return cuda::unary_kernel(op, shape, device_operand(out, shape), device_operand(in, shape), in->dtype());
  }
  CR_DISPATCH_ALL(in->dtype(), unary_op_name(op), [&] { run_formula<scalar_t>(op, out, in); });
}


// relu's backward in one pass: 0 where y <= 0, else g (PyTorch's threshold_backward: so g passes
// through a NaN, which is not <= 0). Recorded
// itself, so double backward works: its derivative w.r.t. g is the same mask, and w.r.t. y zero (y stays an input,
// as in PyTorch, so a second backward reaches x with zeros instead of finding it unused).
Tensor relu_backward(const Tensor& g, const Tensor& y) {
  Tensor yc = to_dtype(y, g->dtype());
  Tensor out;
  if (any_reduced_float({&g})) {
    GradModeGuard plain(false);
    out = to_dtype(relu_backward(float32_standin(g), float32_standin(yc)), g->dtype());
  } else if (!g->device().is_cpu()) {  // the dispatch point: on a GPU, a where over the elementwise kernels
    GradModeGuard plain(false);
    out = where(binary(BinaryOp::Le, yc, Scalar(int64_t{0})), zeros({}, g->dtype(), g->device()), g);
  } else {
    out = TensorImpl::empty(g->sizes(), g->dtype(), g->device());
    CR_DISPATCH_FLOATING(g->dtype(), "relu_backward", [&] {
      binary_kernel<scalar_t, scalar_t, scalar_t>(out, g, yc, [](scalar_t gv, scalar_t yv) {
        return yv <= scalar_t(0) ? scalar_t(0) : gv;
      });
    });
  }
  if (needs_grad({&g, &y})) {
    const SavedTensor sy(y, false);
    record("ReluBackwardBackward0", {g, y}, {out}, [sy](const TensorList& grads, const Node& n) -> TensorList {
      const Tensor saved = sy.unpack(n);
      return {relu_backward(grads[0], saved), zeros(saved->sizes(), saved->dtype(), saved->device())};
    });
  }
  return out;
}

// d out / d x for out = op(x), given the incoming gradient g, the input x and the output y.
// Written with ops, so they differentiate again. Ops whose derivative is 0 almost everywhere
// (sign, floor, ...) pass zeros; bool-valued ops have no gradient.
Tensor unary_derivative(UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& y) {
  auto u = [](UnaryOp f, const Tensor& t) { return unary(f, t); };
  switch (op) {
    case UnaryOp::Neg: return -g;
    case UnaryOp::Abs: return g * u(UnaryOp::Sign, x);
    case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc:
      return zeros(g->sizes(), g->dtype(), g->device());
    case UnaryOp::Relu: return relu_backward(g, y);
    case UnaryOp::Square: return 2.0 * g * x;
    case UnaryOp::Exp: return g * y;
    case UnaryOp::Log: return g / x;
    case UnaryOp::Log2: return g / (x * M_LN2);
    case UnaryOp::Log10: return g / (x * M_LN10);
    case UnaryOp::Log1p: return g / (x + 1.0);
    case UnaryOp::Expm1: return g * (y + 1.0);
    case UnaryOp::Sqrt: return g / (2.0 * y);
    case UnaryOp::Rsqrt: return -0.5 * g * y * y * y;
    case UnaryOp::Reciprocal: return -(g * y * y);
    case UnaryOp::Sin: return g * u(UnaryOp::Cos, x);
    case UnaryOp::Cos: return -(g * u(UnaryOp::Sin, x));
    case UnaryOp::Tan: return g * (y * y + 1.0);
    case UnaryOp::Tanh: return g * (1.0 - y * y);
    case UnaryOp::Sigmoid: return g * y * (1.0 - y);
    case UnaryOp::Erf: return g * (2.0 / std::sqrt(M_PI)) * u(UnaryOp::Exp, -(x * x));
    case UnaryOp::Asin: return g / u(UnaryOp::Sqrt, 1.0 - x * x);
    case UnaryOp::Acos: return -(g / u(UnaryOp::Sqrt, 1.0 - x * x));
    case UnaryOp::Atan: return g / (x * x + 1.0);
    case UnaryOp::Sinh: return g * u(UnaryOp::Cosh, x);
    case UnaryOp::Cosh: return g * u(UnaryOp::Sinh, x);
    default: return nullptr;
  }
}

// Which values unary_derivative reads: the output for ops whose derivative is simplest in it
// (as PyTorch saves them), the input for the rest. Saving only these lets an in-place op change
// the other one without invalidating the graph.
bool derivative_uses_output(UnaryOp op) {
  switch (op) {
    case UnaryOp::Relu: case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Sqrt: case UnaryOp::Rsqrt:
    case UnaryOp::Reciprocal: case UnaryOp::Tan: case UnaryOp::Tanh: case UnaryOp::Sigmoid:
      return true;
    default:
      return false;
  }
}

bool derivative_uses_input(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round:
    case UnaryOp::Trunc:
      return false;
    default:
      return !derivative_uses_output(op);
  }
}

void record_unary(UnaryOp op, const Tensor& a, const Tensor& out) {
  if (!needs_grad({&a}) || !is_floating(out->dtype())) return;
  std::string name = unary_op_name(op);
  name[0] = static_cast<char>(std::toupper(name[0]));
  const SavedTensor sx = derivative_uses_input(op) ? SavedTensor(a, false, "self") : SavedTensor();
  const SavedTensor sy = derivative_uses_output(op) ? SavedTensor(out, true, "result") : SavedTensor();
  const TensorMeta meta(a);
  record((name + "Backward0").c_str(), {a}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
    return {grad_for(unary_derivative(op, grads[0], sx.unpack(n), sy.unpack(n)), meta)};
  });
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& a) {
  Tensor out = elementwise_output(a->sizes(), {&a}, unary_dtype(op, a->dtype()), a->device(), unary_op_name(op));
  launch(op, out, a);
  record_unary(op, a, out);
  return out;
}

void unary_(UnaryOp op, const Tensor& self) {
  DType result = unary_dtype(op, self->dtype());
  CR_CHECK(result == self->dtype(), RuntimeError, unary_op_name(op), "_: result type ", dtype_name(result),
           " can't be cast to the in-place tensor's dtype ", dtype_name(self->dtype()));
  if (in_place_needs_grad(self, {}, str_cat(unary_op_name(op), "_").c_str())) return rebase_history(self, unary(op, clone(self)));
  launch(op, self, self);
  self->bump_version();
}

}  // namespace cr
