// Pointwise activations: the functors of core/activation_formulas.h, run by the elementwise loops
// of cpu/elementwise.h on the CPU's math (float32 sigmoid/tanh/exp from cpu/vec_math.h vectorize)
// or by cuda/activation.h on a GPU. Backward
// runs the fused grad kernel; when the backward itself is recorded (create_graph=True) the same
// derivative is computed with recorded ops (derivative_ops) so that it differentiates again.
#include "ops/activation.h"

#include <cmath>
#include <limits>
#include <string>

#include "autograd/record.h"
#include "cpu/vec_math.h"
#include "cuda/activation.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/index.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
using namespace activation_constants;

const char* node_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::LeakyRelu: return "LeakyReluBackward0";
    case ActivationKind::Elu: return "EluBackward0";
    case ActivationKind::Celu: return "CeluBackward0";
    case ActivationKind::Gelu: case ActivationKind::GeluTanh: return "GeluBackward0";
    case ActivationKind::Silu: return "SiluBackward0";
    case ActivationKind::Mish: return "MishBackward0";
    case ActivationKind::Softplus: return "SoftplusBackward0";
    case ActivationKind::Hardtanh: return "HardtanhBackward0";
    case ActivationKind::Hardsigmoid: return "HardsigmoidBackward0";
    case ActivationKind::Hardswish: return "HardswishBackward0";
    case ActivationKind::LogSigmoid: return "LogSigmoidBackward0";
    case ActivationKind::Threshold: return "ThresholdBackward0";
  }
  return "ActivationBackward0";
}

void check_input(const Tensor& x, const Activation& act) {
  CR_CHECK(is_floating(x->dtype()), DTypeError, act.op, ": expected a float32 or float64 tensor, got a ",
           describe(x));
}

// out = act(x), out and x of one shape (out may be x itself).
void run_forward(const Tensor& out, const Tensor& x, const Activation& act) {
  if (is_reduced_float(x->dtype()) && out->dtype() == x->dtype() && x->device().is_cpu()) {
    return CR_DISPATCH_REDUCED_FLOAT(x->dtype(), act.op, [&] {  // float32 formulas on the 16-bit elements
      with_activation<float, cpu::VecMath>(act.params(), [&](auto fn) {
        unary_kernel<scalar_t, scalar_t>(out, x, [fn](float v) CR_ALWAYS_INLINE { return fn.f(v); });
      });
    });
  }
  if (staged_in_float32(out, [&](const Tensor& o, const Tensor& in) { run_forward(o, in, act); }, x)) return;
  if (!out->device().is_cpu()) {  // the family's dispatch point (here and in activation_backward)
    return cuda::activation_forward(act.params(), x->dtype(), x->sizes(), device_operand(out, x->sizes()),
                                    device_operand(x, x->sizes()));
  }
  CR_DISPATCH_FLOATING(x->dtype(), act.op, [&] {
    with_activation<scalar_t, cpu::VecMath>(act.params(), [&](auto fn) {
      unary_kernel<scalar_t, scalar_t>(out, x, [fn](scalar_t v) CR_ALWAYS_INLINE { return fn.f(v); });
    });
  });
}

Tensor mask(BinaryOp cmp, const Tensor& x, double v) { return binary(cmp, x, Scalar(v)); }
Tensor both(const Tensor& a, const Tensor& b) { return binary(BinaryOp::LogicalAnd, a, b); }

// g * act'(x) with recorded ops, for create_graph: the same values as the fused kernel.
Tensor derivative_ops(const Tensor& g, const Tensor& x, const Activation& act) {
  const Tensor zero = zeros({}, g->dtype(), g->device());
  auto u = [](UnaryOp op, const Tensor& t) { return unary(op, t); };
  switch (act.kind) {
    case ActivationKind::LeakyRelu: return where(mask(BinaryOp::Gt, x, 0), g, g * act.p0);
    case ActivationKind::Elu:
      return where(mask(BinaryOp::Le, x, 0), g * (act.p2 * act.p0 * act.p1) * u(UnaryOp::Exp, x * act.p2),
                   g * act.p1);
    case ActivationKind::Celu: {
      const double input_scale = celu_backward_input_scale(act.p0);
      return where(mask(BinaryOp::Le, x, 0), g * (input_scale * act.p0) * u(UnaryOp::Exp, x * input_scale), g);
    }
    case ActivationKind::Gelu: {
      const Tensor cdf = 0.5 * (u(UnaryOp::Erf, x * M_SQRT1_2) + 1.0);
      return g * (cdf + x * u(UnaryOp::Exp, -0.5 * x * x) * kGeluPdf);
    }
    case ActivationKind::GeluTanh: {
      const Tensor s = u(UnaryOp::Sigmoid, 2 * kGeluBeta * (x + kGeluKappa * x * x * x));
      const Tensor inner_derivative = kGeluBeta * (3 * kGeluKappa * x * x + 1.0);
      return g * (s + 2.0 * x * s * (1.0 - s) * inner_derivative);
    }
    case ActivationKind::Silu: {
      const Tensor s = u(UnaryOp::Sigmoid, x);
      return g * s * (x * (1.0 - s) + 1.0);
    }
    case ActivationKind::Mish: {
      const Tensor t = u(UnaryOp::Tanh, activation(x, Activation::softplus(1, std::numeric_limits<double>::infinity())));
      return g * (t + x * u(UnaryOp::Sigmoid, x) * (1.0 - t * t));
    }
    case ActivationKind::Softplus:
      return where(mask(BinaryOp::Gt, x * act.p0, act.p1), g, g * u(UnaryOp::Sigmoid, x * act.p0));
    case ActivationKind::Hardtanh:
      return where(both(mask(BinaryOp::Gt, x, act.p0), mask(BinaryOp::Lt, x, act.p1)), g, zero);
    case ActivationKind::Hardsigmoid:
      return where(both(mask(BinaryOp::Gt, x, -3), mask(BinaryOp::Lt, x, 3)), g * static_cast<double>(kOneSixthAsFloat), zero);
    case ActivationKind::Hardswish:
      return where(mask(BinaryOp::Le, x, -3), zero, where(mask(BinaryOp::Lt, x, 3), g * (x / 3.0 + 0.5), g));
    case ActivationKind::LogSigmoid: return g * u(UnaryOp::Sigmoid, -x);
    case ActivationKind::Threshold: return where(mask(BinaryOp::Le, x, act.p0), zero, g);
  }
  return nullptr;
}

// Whether act'(x) is piecewise constant, so derivative_ops's where() reads x only through a mask.
bool piecewise_constant_derivative(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::LeakyRelu: case ActivationKind::Hardtanh: case ActivationKind::Hardsigmoid:
    case ActivationKind::Threshold:
      return true;
    default:
      return false;
  }
}

// PyTorch's backward of these activations is an op of (grad, x) whose derivative w.r.t. x is zero, so a second
// backward reaches x with zeros (a gradient penalty through a LeakyReLU critic, the input Hessian of a
// piecewise-linear net) instead of finding x unused; dx is routed through such a node here.
Tensor connected_to_input(const Tensor& dx, const Tensor& x, const Activation& act) {
  if (!piecewise_constant_derivative(act.kind) || !needs_grad({&x})) return dx;
  Tensor out = TensorImpl::alias_of(dx);
  std::string name = node_name(act.kind);
  name.insert(name.size() - 1, "Backward");
  record(name.c_str(), {dx, x}, {out}, [meta = TensorMeta(x)](const TensorList& g, const Node&) -> TensorList {
    return {g[0], zeros(meta.sizes, meta.dtype, meta.device)};
  });
  return out;
}

// The gradient w.r.t. x of act(x) given the output's gradient g.
Tensor activation_backward(const Tensor& g_in, const Tensor& x, const Activation& act) {
  const Tensor g = to_dtype(g_in, x->dtype());
  if (GradMode::is_enabled()) return connected_to_input(derivative_ops(g, x, act), x, act);
  Tensor dx = elementwise_output(x->sizes(), {&x}, x->dtype(), x->device(), act.op);
  if (is_reduced_float(x->dtype()) && x->device().is_cpu()) {
    CR_DISPATCH_REDUCED_FLOAT(x->dtype(), act.op, [&] {  // float32 formulas on the 16-bit elements
      with_activation<float, cpu::VecMath>(act.params(), [&](auto fn) {
        binary_kernel<scalar_t, scalar_t, scalar_t>(dx, g, x, [fn](float gv, float xv) CR_ALWAYS_INLINE { return fn.grad(gv, xv); });
      });
    });
    return dx;
  }
  if (any_reduced_float({&x})) return to_dtype(activation_backward(float32_standin(g), float32_standin(x), act), x->dtype());
  if (!dx->device().is_cpu()) {
    const Shape& shape = x->sizes();
    cuda::activation_backward(act.params(), x->dtype(), shape, device_operand(dx, shape), device_operand(g, shape),
                              device_operand(x, shape));
    return dx;
  }
  CR_DISPATCH_FLOATING(x->dtype(), act.op, [&] {
    with_activation<scalar_t, cpu::VecMath>(act.params(), [&](auto fn) {
      binary_kernel<scalar_t, scalar_t, scalar_t>(dx, g, x, [fn](scalar_t gv, scalar_t xv) CR_ALWAYS_INLINE { return fn.grad(gv, xv); });
    });
  });
  return dx;
}

}  // namespace

Activation Activation::leaky_relu(double negative_slope) {
  return {ActivationKind::LeakyRelu, "leaky_relu", negative_slope};
}

Activation Activation::elu(double alpha) { return {ActivationKind::Elu, "elu", alpha, 1.0, 1.0}; }

Activation Activation::selu() { return {ActivationKind::Elu, "selu", kSeluAlpha, kSeluScale, 1.0}; }

Activation Activation::celu(double alpha) {
  CR_CHECK(alpha != 0, ValueError, "celu: alpha cannot be 0 (it divides the input)");
  return {ActivationKind::Celu, "celu", alpha};
}

Activation Activation::gelu(const std::string& approximate) {
  CR_CHECK(approximate == "none" || approximate == "tanh", ValueError,
           "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  return {approximate == "tanh" ? ActivationKind::GeluTanh : ActivationKind::Gelu, "gelu"};
}

Activation Activation::silu() { return {ActivationKind::Silu, "silu"}; }
Activation Activation::mish() { return {ActivationKind::Mish, "mish"}; }

Activation Activation::softplus(double beta, double threshold) {
  return {ActivationKind::Softplus, "softplus", beta, threshold};
}

Activation Activation::hardtanh(double min_val, double max_val) {
  CR_CHECK(!(min_val > max_val), ValueError, "hardtanh: min_val (", min_val, ") cannot be greater than max_val (",
           max_val, ")");
  return {ActivationKind::Hardtanh, "hardtanh", min_val, max_val};
}

Activation Activation::relu6() { return {ActivationKind::Hardtanh, "relu6", 0.0, 6.0}; }
Activation Activation::hardsigmoid() { return {ActivationKind::Hardsigmoid, "hardsigmoid"}; }
Activation Activation::hardswish() { return {ActivationKind::Hardswish, "hardswish"}; }
Activation Activation::logsigmoid() { return {ActivationKind::LogSigmoid, "logsigmoid"}; }

Activation Activation::threshold(double threshold, double value) {
  return {ActivationKind::Threshold, "threshold", threshold, value};
}

Tensor activation(const Tensor& x, const Activation& act) {
  check_input(x, act);
  Tensor out = elementwise_output(x->sizes(), {&x}, x->dtype(), x->device(), act.op);  // x's layout
  run_forward(out, x, act);
  if (needs_grad({&x})) {
    record(node_name(act.kind), {x}, {out}, [sx = SavedTensor(x, false, "self"), act](const TensorList& g, const Node& n) -> TensorList {
      return {activation_backward(g[0], sx.unpack(n), act)};
    });
  }
  return out;
}

void activation_(const Tensor& x, const Activation& act) {
  check_input(x, act);
  const std::string op = str_cat(act.op, "_");
  check_no_internal_overlap(x, op.c_str());
  if (in_place_needs_grad(x, {}, op.c_str())) return rebase_history(x, activation(clone(x), act));
  run_forward(x, x, act);
  x->bump_version();
}

Tensor softsign(const Tensor& x) {
  CR_CHECK(is_floating(x->dtype()), DTypeError, "softsign: expected a float32 or float64 tensor, got a ", describe(x));
  return x / (unary(UnaryOp::Abs, x) + 1.0);
}

}  // namespace cr
