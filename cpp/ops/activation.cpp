// Pointwise activations: each is a small functor with its forward value f(x) and its backward
// grad(g, x) = g * f'(x), written as PyTorch's CPU kernels write them, run by the elementwise
// loops of cpu/elementwise.h (float32 sigmoid/tanh/exp from cpu/vec_math.h vectorize). Backward
// runs the fused grad kernel; when the backward itself is recorded (create_graph=True) the same
// derivative is computed with recorded ops (derivative_ops) so that it differentiates again.
#include "ops/activation.h"

#include <cmath>
#include <limits>

#include "autograd/record.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/index.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
constexpr double kGeluPdf = 0.3989422804014327;          // 1 / sqrt(2 pi)
constexpr double kGeluBeta = 0.7978845608028654;         // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;
constexpr float kOneSixthAsFloat = 1.0f / 6.0f;  // PyTorch's hardsigmoid backward scales by this in every dtype

template <typename T>
struct LeakyReluFn {
  T slope;
  T f(T x) const { return x > T(0) ? x : x * slope; }
  T grad(T g, T x) const { return x > T(0) ? g : g * slope; }
};

template <typename T>
struct EluFn {
  T alpha_scale, scale, input_scale;  // PyTorch's negcoef, poscoef, negiptcoef
  T f(T x) const { return x <= T(0) ? std::expm1(x * input_scale) * alpha_scale : x * scale; }
  T grad(T g, T x) const {
    return x <= T(0) ? g * input_scale * alpha_scale * std::exp(x * input_scale) : g * scale;
  }
};

// float32 erf as PyTorch's vectorized CPU kernels compute it (Abramowitz & Stegun 7.1.26, absolute
// error below 1.5e-7), branch-free so that gelu's loops vectorize; float64 keeps libm's erf.
inline float erf_vectorizable(float x) {
  const float t = 1.0f / (0.3275911f * std::fabs(x) + 1.0f);
  const float r = (((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f;
  return std::copysign(1.0f - r * t * cpu::vec::exp(-x * x), x);
}
inline double erf_vectorizable(double x) { return std::erf(x); }

template <typename T>
struct GeluFn {
  T f(T x) const { return x * T(0.5) * (T(1) + erf_vectorizable(x * T(M_SQRT1_2))); }
  T grad(T g, T x) const {
    const T cdf = T(0.5) * (T(1) + erf_vectorizable(x * T(M_SQRT1_2)));
    const T pdf = cpu::vec::exp(T(-0.5) * x * x) * T(kGeluPdf);
    return g * (cdf + x * pdf);
  }
};

// 0.5 x (1 + tanh(u)) written as x * sigmoid(2u), which keeps its precision where tanh(u) nears -1.
template <typename T>
struct GeluTanhFn {
  static T inner(T x) { return T(kGeluBeta) * (x + T(kGeluKappa) * x * x * x); }
  T f(T x) const { return x * cpu::vec::sigmoid(T(2) * inner(x)); }
  T grad(T g, T x) const {
    const T s = cpu::vec::sigmoid(T(2) * inner(x));
    const T inner_derivative = T(kGeluBeta) * (T(1) + T(3 * kGeluKappa) * x * x);
    return g * (s + T(2) * x * s * (T(1) - s) * inner_derivative);
  }
};

template <typename T>
struct SiluFn {
  T f(T x) const { return x * cpu::vec::sigmoid(x); }
  T grad(T g, T x) const {
    const T s = cpu::vec::sigmoid(x);
    return g * s * (T(1) + x * (T(1) - s));
  }
};

template <typename T>
struct MishFn {
  T f(T x) const { return x * cpu::vec::tanh(std::log1p(cpu::vec::exp(x))); }
  T grad(T g, T x) const {
    const T t = cpu::vec::tanh(std::log1p(cpu::vec::exp(x)));
    return g * (t + x * cpu::vec::sigmoid(x) * (T(1) - t * t));
  }
};

template <typename T>
struct SoftplusFn {
  T beta, threshold;
  T f(T x) const { return x * beta > threshold ? x : std::log1p(cpu::vec::exp(x * beta)) / beta; }
  T grad(T g, T x) const { return x * beta > threshold ? g : g * cpu::vec::sigmoid(x * beta); }
};

template <typename T>
struct HardtanhFn {
  T lo, hi;
  // A NaN x passes through; a NaN bound gives NaN, as PyTorch's (a clamp).
  T f(T x) const { return lo != lo || hi != hi ? lo + hi : (x < lo ? lo : (x > hi ? hi : x)); }
  // g strictly inside (lo, hi), 0 for a NaN x or bound: PyTorch's vectorized loop (its scalar one passes g there).
  T grad(T g, T x) const { return x > lo && x < hi ? g : T(0); }
};

template <typename T>
struct HardsigmoidFn {
  T f(T x) const { return std::min(std::max(x + T(3), T(0)), T(6)) / T(6); }
  T grad(T g, T x) const { return x > T(-3) && x < T(3) ? g * T(kOneSixthAsFloat) : T(0); }
};

template <typename T>
struct HardswishFn {
  T f(T x) const { return x * std::min(std::max(x + T(3), T(0)), T(6)) / T(6); }
  T grad(T g, T x) const { return x <= T(-3) ? T(0) : (x < T(3) ? g * (x / T(3) + T(0.5)) : g); }
};

template <typename T>
struct LogSigmoidFn {
  T f(T x) const { return std::min(x, T(0)) - std::log1p(cpu::vec::exp(-std::fabs(x))); }
  T grad(T g, T x) const { return g * cpu::vec::sigmoid(-x); }
};

template <typename T>
struct ThresholdFn {
  T threshold, value;
  T f(T x) const { return x <= threshold ? value : x; }
  T grad(T g, T x) const { return x <= threshold ? T(0) : g; }
};

// Calls body(fn) with the functor of act in element type T (the switch runs once, outside the loop).
template <typename T, typename Body>
void with_functor(const Activation& act, const Body& body) {
  const T p0 = static_cast<T>(act.p0), p1 = static_cast<T>(act.p1), p2 = static_cast<T>(act.p2);
  switch (act.kind) {
    case ActivationKind::LeakyRelu: return body(LeakyReluFn<T>{p0});
    case ActivationKind::Elu: return body(EluFn<T>{static_cast<T>(act.p0 * act.p1), p1, p2});
    case ActivationKind::Gelu: return body(GeluFn<T>{});
    case ActivationKind::GeluTanh: return body(GeluTanhFn<T>{});
    case ActivationKind::Silu: return body(SiluFn<T>{});
    case ActivationKind::Mish: return body(MishFn<T>{});
    case ActivationKind::Softplus: return body(SoftplusFn<T>{p0, p1});
    case ActivationKind::Hardtanh: return body(HardtanhFn<T>{p0, p1});
    case ActivationKind::Hardsigmoid: return body(HardsigmoidFn<T>{});
    case ActivationKind::Hardswish: return body(HardswishFn<T>{});
    case ActivationKind::LogSigmoid: return body(LogSigmoidFn<T>{});
    case ActivationKind::Threshold: return body(ThresholdFn<T>{p0, p1});
  }
}

const char* node_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::LeakyRelu: return "LeakyReluBackward0";
    case ActivationKind::Elu: return "EluBackward0";
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
  cpu_kernels_device(act.op, {&x});
  CR_CHECK(is_floating(x->dtype()), TypeError, act.op, ": expected a float32 or float64 tensor, got a ",
           describe(x));
}

// out = act(x), out and x of one shape (out may be x itself).
void run_forward(const Tensor& out, const Tensor& x, const Activation& act) {
  CR_DISPATCH_FLOATING(x->dtype(), act.op, [&] {
    with_functor<scalar_t>(act, [&](auto fn) {
      unary_kernel<scalar_t, scalar_t>(out, x, [fn](scalar_t v) { return fn.f(v); });
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

// The gradient w.r.t. x of act(x) given the output's gradient g.
Tensor activation_backward(const Tensor& g_in, const Tensor& x, const Activation& act) {
  const Tensor g = to_dtype(g_in, x->dtype());
  if (GradMode::is_enabled()) return derivative_ops(g, x, act);
  Tensor dx = TensorImpl::empty(x->sizes(), x->dtype(), x->device());
  CR_DISPATCH_FLOATING(x->dtype(), act.op, [&] {
    with_functor<scalar_t>(act, [&](auto fn) {
      binary_kernel<scalar_t, scalar_t, scalar_t>(dx, g, x, [fn](scalar_t gv, scalar_t xv) { return fn.grad(gv, xv); });
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
  return {ActivationKind::Elu, "celu", alpha, 1.0, 1.0 / alpha};
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
  Tensor out = TensorImpl::empty(x->sizes(), x->dtype(), x->device());
  run_forward(out, x, act);
  if (needs_grad({&x})) {
    record(node_name(act.kind), {x}, {out}, [sx = SavedTensor(x, false), act](const TensorList& g, const Node& n) -> TensorList {
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
  CR_CHECK(is_floating(x->dtype()), TypeError, "softsign: expected a float32 or float64 tensor, got a ", describe(x));
  return x / (unary(UnaryOp::Abs, x) + 1.0);
}

}  // namespace cr
