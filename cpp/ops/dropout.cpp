// Dropout masks and the dropout family, following ATen's _dropout_impl: a mask shaped like the
// input (or (N, C, 1, ...) for feature dropout) holding 0 or 1 / (1 - p) (0 or 1 for the alpha
// variants, then turned into their noise) that the input is multiplied by. The product is an
// ordinary recorded multiply, so the backward (grad * noise) differentiates again. A CPU mask is
// filled by cpu/dropout.h from a counter-based stream whose key is drawn from the global generator
// (chainrule.manual_seed); a GPU mask by cuda/dropout.h from draws reserved from that GPU's CUDA
// generator (chainrule.cuda.manual_seed), as in PyTorch, so GPU dropout leaves the CPU stream alone.
#include "ops/dropout.h"

#include <cmath>
#include <cstdint>
#include <limits>

#include "core/cuda_generator.h"
#include "core/random.h"
#include "cpu/dropout.h"
#include "cuda/dropout.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

void check_dropout_args(const Tensor& input, double p, const char* op) {
  CR_CHECK(input, TypeError, op, ": expected an input tensor, got None");
  CR_CHECK(p >= 0 && p <= 1, ValueError, op, ": dropout probability has to be between 0 and 1, but got ", p);
  CR_CHECK(is_floating(input->dtype()), DTypeError, op, ": expected a float32 or float64 input, got a ",
           describe(input));
}

// The shape of the mask: the input's, or (N, C, 1, ...) for feature dropout.
Shape mask_shape(const Tensor& input, bool feature, const char* op) {
  if (!feature) return input->sizes();
  CR_CHECK(input->dim() >= 2, ValueError, op,
           ": feature dropout needs an input of at least 2 dimensions (N, C, *), got a ", describe(input));
  Shape s(static_cast<size_t>(input->dim()), 1);
  s[0] = input->size(0);
  s[1] = input->size(1);
  return s;
}

// ATen's _dropout_impl: returns input itself when nothing is dropped, otherwise input * noise (+ b).
Tensor dropout_impl(const Tensor& input, double p, bool training, bool feature, bool alpha, bool in_place,
                    const char* op) {
  check_dropout_args(input, p, op);
  if (p == 0 || !training || input->numel() == 0) return input;
  const Shape shape = mask_shape(input, feature, op);
  auto multiply = [&](const Tensor& noise) {
    if (!in_place) return binary(BinaryOp::Mul, input, noise);
    binary_(BinaryOp::Mul, input, noise);
    return input;
  };
  if (p == 1) return multiply(zeros({}, input->dtype(), input->device()));
  if (!alpha) return multiply(bernoulli_mask(shape, p, 1 / (1 - p), input->dtype(), input->device()));
  const Tensor keep = bernoulli_mask(shape, p, 1, input->dtype(), input->device());
  constexpr double kAlpha = 1.7580993408473766;  // SELU's alpha * lambda
  const double a = 1 / std::sqrt((kAlpha * kAlpha * p + 1) * (1 - p));
  const Tensor shift = (keep - 1.0) * (kAlpha * a) + kAlpha * a * p;
  const Tensor scaled = multiply(keep * a);
  if (!in_place) return scaled + shift;
  binary_(BinaryOp::Add, input, shift);
  return input;
}

}  // namespace

Tensor bernoulli_mask(const Shape& sizes, double p, double keep, DType dtype, Device device) {
  if (is_reduced_float(dtype)) return to_dtype(bernoulli_mask(sizes, p, keep, DType::Float32, device), dtype);
  Tensor mask = TensorImpl::empty(sizes, dtype, device);
  CR_DISPATCH_FLOATING(dtype, "bernoulli", [&] {  // the dispatch point
    scalar_t* data = static_cast<scalar_t*>(mask->device_data());
    const auto n = mask->numel();
    if (CudaGenerator* gpu = cuda_generator_for(mask->device(), Generator::global(), "dropout")) {
      cuda::bernoulli_fill<scalar_t>(data, n, gpu->reserve(static_cast<uint64_t>(n)), p, static_cast<scalar_t>(keep));
      return;
    }
    const uint64_t key = [] {
      Generator& gen = Generator::global();
      auto drawing = gen.lock();
      return static_cast<uint64_t>(gen.integer(0, std::numeric_limits<int64_t>::max()));
    }();
    const uint64_t drop_below = static_cast<uint64_t>(std::ldexp(p, 32));  // P(draw < drop_below) = p
    cpu::bernoulli_fill<scalar_t>(data, n, key, drop_below, static_cast<scalar_t>(keep));
  });
  return mask;
}

Tensor dropout(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, false, false, false, "dropout");
}
Tensor feature_dropout(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, true, false, false, "feature_dropout");
}
Tensor alpha_dropout(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, false, true, false, "alpha_dropout");
}
Tensor feature_alpha_dropout(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, true, true, false, "feature_alpha_dropout");
}
Tensor dropout_(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, false, false, true, "dropout_");
}
Tensor feature_dropout_(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, true, false, true, "feature_dropout_");
}
Tensor alpha_dropout_(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, false, true, true, "alpha_dropout_");
}
Tensor feature_alpha_dropout_(const Tensor& input, double p, bool training) {
  return dropout_impl(input, p, training, true, true, true, "feature_alpha_dropout_");
}

}  // namespace cr
