// Dropout with PyTorch's semantics (ATen's _dropout_impl): each element (dropout) or each whole
// channel of an (N, C, *) input (feature_dropout) is zeroed with probability p and the kept ones
// are scaled by 1 / (1 - p). The alpha variants keep SELU's mean and variance instead: dropped
// values become -alpha * scale then everything is mapped affinely. Masks come from the device's
// seeded generator: the global one on the CPU (manual_seed), the GPU's CUDA generator on a GPU
// (cuda.manual_seed; manual_seed seeds both). p = 0 or training = false returns the input
// itself, p = 1 zeros it; the result is input * mask, recorded, so gradients are grad * mask.
#pragma once

#include "core/tensor.h"

namespace cr {

Tensor dropout(const Tensor& input, double p, bool training);
Tensor feature_dropout(const Tensor& input, double p, bool training);
Tensor alpha_dropout(const Tensor& input, double p, bool training);
Tensor feature_alpha_dropout(const Tensor& input, double p, bool training);
// In place: input takes the result (and its place in the autograd graph); returns input.
Tensor dropout_(const Tensor& input, double p, bool training);
Tensor feature_dropout_(const Tensor& input, double p, bool training);
Tensor alpha_dropout_(const Tensor& input, double p, bool training);
Tensor feature_alpha_dropout_(const Tensor& input, double p, bool training);

// A tensor of `sizes` holding `keep` with probability 1 - p and 0 otherwise, from a counter-based
// stream: on the CPU one 32-bit draw per element of a stream keyed by the global generator, on a
// GPU one draw per element reserved from its CUDA generator. The values depend on the seed only
// (never on the thread count) and generation runs in parallel.
Tensor bernoulli_mask(const Shape& sizes, double p, double keep, DType dtype, Device device);

}  // namespace cr
