// Pointwise activation functions of chainrule.nn.functional (leaky_relu, elu/selu/celu, gelu, silu,
// mish, softplus, hardtanh/relu6, hardsigmoid, hardswish, logsigmoid, threshold, softsign), with
// PyTorch's formulas, out of place and in place. relu, sigmoid and tanh are unary ops
// (ops/elementwise.h); softmax and log_softmax live in ops/softmax.h. Floating tensors only.
#pragma once

#include <cstdint>
#include <string>

#include "core/activation_formulas.h"
#include "core/tensor.h"

namespace cr {

// One activation with its parameters; the factories check them (ValueError/RuntimeError naming
// the op, as PyTorch does) and set the name errors and nodes use.
struct Activation {
  ActivationKind kind;
  const char* op;  // "gelu", "selu", "relu6", ...
  double p0 = 0, p1 = 0, p2 = 0;

  ActivationParams params() const { return {kind, p0, p1, p2}; }

  static Activation leaky_relu(double negative_slope);
  static Activation elu(double alpha);
  static Activation selu();
  static Activation celu(double alpha);
  static Activation gelu(const std::string& approximate);  // "none" or "tanh"
  static Activation silu();
  static Activation mish();
  static Activation softplus(double beta, double threshold);
  static Activation hardtanh(double min_val, double max_val);
  static Activation relu6();
  static Activation hardsigmoid();
  static Activation hardswish();
  static Activation logsigmoid();
  static Activation threshold(double threshold, double value);
};

// act(x) as a new tensor, recorded for autograd (node named like PyTorch's: GeluBackward0, ...).
Tensor activation(const Tensor& x, const Activation& act);
// x = act(x) in place (F.elu(x, inplace=True)); recorded through the in-place machinery.
void activation_(const Tensor& x, const Activation& act);

// x / (1 + |x|), composed of recorded ops as in PyTorch.
Tensor softsign(const Tensor& x);

}  // namespace cr
