// The pointwise activations as both devices compute them: each a functor with its value f(x) and
// its backward grad(g, x) = g * f'(x), written as PyTorch's CPU kernels write them, over a math
// policy M (M::exp, sigmoid, tanh, erf, log1p, expm1, fabs) so that the CPU runs them on its
// vectorizable functions (cpu/vec_math.h) and the GPU on CUDA's. ops/activation.cpp checks
// arguments and records autograd; cpu and cuda loops apply the functors.
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

enum class ActivationKind : uint8_t {
  LeakyRelu,    // p0 = negative_slope
  Elu,          // p0 = alpha, p1 = scale, p2 = input_scale (selu is an elu)
  Celu,         // p0 = alpha
  Gelu,         // erf form
  GeluTanh,     // tanh approximation
  Silu,
  Mish,
  Softplus,     // p0 = beta, p1 = threshold
  Hardtanh,     // p0 = min_val, p1 = max_val (relu6 is hardtanh(0, 6))
  Hardsigmoid,
  Hardswish,
  LogSigmoid,
  Threshold,    // p0 = threshold, p1 = value
};

// An activation's kind and parameters, all a kernel needs.
struct ActivationParams {
  ActivationKind kind;
  double p0 = 0, p1 = 0, p2 = 0;
};

namespace activation_constants {
constexpr double kSqrtHalf = 0.70710678118654752440;  // 1 / sqrt(2)
constexpr double kGeluPdf = 0.3989422804014327;       // 1 / sqrt(2 pi)
constexpr double kGeluBeta = 0.7978845608028654;      // sqrt(2 / pi)
constexpr double kGeluKappa = 0.044715;
constexpr float kOneSixthAsFloat = 1.0f / 6.0f;  // PyTorch's hardsigmoid backward scales by this in every dtype
}  // namespace activation_constants

// std::min / std::max's NaN behaviour (the first argument wins an unordered comparison).
template <typename T>
CR_FORMULA T lesser(T a, T b) { return b < a ? b : a; }
template <typename T>
CR_FORMULA T greater(T a, T b) { return a < b ? b : a; }

// Both sides computed before the choice, so the compiler turns the loop into vector blends rather
// than a branch per element (mispredicted half the time on random signs: 20x slower).
template <typename T, typename M>
struct LeakyReluFn {
  T slope;
  CR_FORMULA T f(T x) const {
    const T scaled = x * slope;
    return x > T(0) ? x : scaled;
  }
  CR_FORMULA T grad(T g, T x) const {
    const T scaled = g * slope;
    return x > T(0) ? g : scaled;
  }
};

template <typename T, typename M>
struct EluFn {
  T alpha_scale, scale, input_scale;  // PyTorch's negcoef, poscoef, negiptcoef
  // Both sides computed, then selected, so that the CPU's loops vectorize (a branch around expm1
  // kept them scalar: 11x PyTorch's time).
  CR_FORMULA T f(T x) const {
    const T negative = M::expm1(x * input_scale) * alpha_scale;
    return x <= T(0) ? negative : x * scale;
  }
  CR_FORMULA T grad(T g, T x) const {
    const T negative = g * input_scale * alpha_scale * M::exp(x * input_scale);
    return x <= T(0) ? negative : g * scale;
  }
};

// celu(x) = elu with input_scale 1 / alpha; PyTorch's backward takes 1 / alpha with alpha rounded
// to float32 (its derivatives.yaml: 1.0 / alpha.toFloat()), and so does this one.
template <typename T, typename M>
struct CeluFn {
  EluFn<T, M> forward, backward;
  CR_FORMULA T f(T x) const { return forward.f(x); }
  CR_FORMULA T grad(T g, T x) const { return backward.grad(g, x); }
};

// The input scale celu's backward uses.
CR_FORMULA double celu_backward_input_scale(double alpha) { return 1.0 / static_cast<double>(static_cast<float>(alpha)); }

template <typename T, typename M>
struct GeluFn {
  CR_FORMULA T f(T x) const { return x * T(0.5) * (T(1) + M::erf(x * T(activation_constants::kSqrtHalf))); }
  CR_FORMULA T grad(T g, T x) const {
    const T cdf = T(0.5) * (T(1) + M::erf(x * T(activation_constants::kSqrtHalf)));
    const T pdf = M::exp(T(-0.5) * x * x) * T(activation_constants::kGeluPdf);
    return g * (cdf + x * pdf);
  }
};

// 0.5 x (1 + tanh(u)) written as x * sigmoid(2u), which keeps its precision where tanh(u) nears -1.
template <typename T, typename M>
struct GeluTanhFn {
  CR_FORMULA static T inner(T x) {
    return T(activation_constants::kGeluBeta) * (x + T(activation_constants::kGeluKappa) * x * x * x);
  }
  CR_FORMULA T f(T x) const { return x * M::sigmoid(T(2) * inner(x)); }
  CR_FORMULA T grad(T g, T x) const {
    const T s = M::sigmoid(T(2) * inner(x));
    const T inner_derivative =
        T(activation_constants::kGeluBeta) * (T(1) + T(3 * activation_constants::kGeluKappa) * x * x);
    return g * (s + T(2) * x * s * (T(1) - s) * inner_derivative);
  }
};

template <typename T, typename M>
struct SiluFn {
  CR_FORMULA T f(T x) const { return x * M::sigmoid(x); }
  CR_FORMULA T grad(T g, T x) const {
    const T s = M::sigmoid(x);
    return g * s * (T(1) + x * (T(1) - s));
  }
};

template <typename T, typename M>
struct MishFn {
  CR_FORMULA T f(T x) const { return x * M::tanh(M::log1p(M::exp(x))); }
  CR_FORMULA T grad(T g, T x) const {
    const T t = M::tanh(M::log1p(M::exp(x)));
    return g * (t + x * M::sigmoid(x) * (T(1) - t * t));
  }
};

template <typename T, typename M>
struct SoftplusFn {
  T beta, threshold;
  CR_FORMULA T f(T x) const {  // computed, then selected (as elu)
    const T smooth = M::log1p(M::exp(x * beta)) / beta;
    return x * beta > threshold ? x : smooth;
  }
  CR_FORMULA T grad(T g, T x) const {
    const T smooth = g * M::sigmoid(x * beta);
    return x * beta > threshold ? g : smooth;
  }
};

template <typename T, typename M>
struct HardtanhFn {
  T lo, hi;
  // A NaN x passes through; a NaN bound gives NaN, as PyTorch's (a clamp).
  CR_FORMULA T f(T x) const { return lo != lo || hi != hi ? lo + hi : (x < lo ? lo : (x > hi ? hi : x)); }
  // g strictly inside (lo, hi), 0 for a NaN x or bound: PyTorch's vectorized loop (its scalar one passes g there).
  CR_FORMULA T grad(T g, T x) const { return x > lo && x < hi ? g : T(0); }
};

template <typename T, typename M>
struct HardsigmoidFn {
  CR_FORMULA T f(T x) const { return lesser(greater(x + T(3), T(0)), T(6)) / T(6); }
  CR_FORMULA T grad(T g, T x) const {
    return x > T(-3) && x < T(3) ? g * T(activation_constants::kOneSixthAsFloat) : T(0);
  }
};

template <typename T, typename M>
struct HardswishFn {
  CR_FORMULA T f(T x) const { return x * lesser(greater(x + T(3), T(0)), T(6)) / T(6); }
  CR_FORMULA T grad(T g, T x) const { return x <= T(-3) ? T(0) : (x < T(3) ? g * (x / T(3) + T(0.5)) : g); }
};

template <typename T, typename M>
struct LogSigmoidFn {
  CR_FORMULA T f(T x) const { return lesser(x, T(0)) - M::log1p(M::exp(-M::fabs(x))); }
  CR_FORMULA T grad(T g, T x) const { return g * M::sigmoid(-x); }
};

template <typename T, typename M>
struct ThresholdFn {
  T threshold, value;
  CR_FORMULA T f(T x) const { return x <= threshold ? value : x; }
  CR_FORMULA T grad(T g, T x) const { return x <= threshold ? T(0) : g; }
};

// Calls body(fn) with the functor of `a` in element type T and math M (the switch runs once, on the
// host, outside the loop).
template <typename T, typename M, typename Body>
void with_activation(const ActivationParams& a, const Body& body) {
  const T p0 = static_cast<T>(a.p0), p1 = static_cast<T>(a.p1), p2 = static_cast<T>(a.p2);
  switch (a.kind) {
    case ActivationKind::LeakyRelu: return body(LeakyReluFn<T, M>{p0});
    case ActivationKind::Elu: return body(EluFn<T, M>{static_cast<T>(a.p0 * a.p1), p1, p2});
    case ActivationKind::Celu:
      return body(CeluFn<T, M>{{p0, T(1), static_cast<T>(1.0 / a.p0)},
                               {p0, T(1), static_cast<T>(celu_backward_input_scale(a.p0))}});
    case ActivationKind::Gelu: return body(GeluFn<T, M>{});
    case ActivationKind::GeluTanh: return body(GeluTanhFn<T, M>{});
    case ActivationKind::Silu: return body(SiluFn<T, M>{});
    case ActivationKind::Mish: return body(MishFn<T, M>{});
    case ActivationKind::Softplus: return body(SoftplusFn<T, M>{p0, p1});
    case ActivationKind::Hardtanh: return body(HardtanhFn<T, M>{p0, p1});
    case ActivationKind::Hardsigmoid: return body(HardsigmoidFn<T, M>{});
    case ActivationKind::Hardswish: return body(HardswishFn<T, M>{});
    case ActivationKind::LogSigmoid: return body(LogSigmoidFn<T, M>{});
    case ActivationKind::Threshold: return body(ThresholdFn<T, M>{p0, p1});
  }
}

}  // namespace cr
