// Loss functions of chainrule.nn.functional with PyTorch's formulas, shape rules and reductions.
// Regression, binary and divergence losses (loss.cpp) are composed of recorded ops, so their
// gradients w.r.t. input and target (and second derivatives) come from those ops; nll_loss and
// cross_entropy with class-index targets run fused kernels (loss_nll.cpp).
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.h"

namespace cr {

enum class Reduction : uint8_t { None, Mean, Sum };
// "none", "mean" or "sum"; ValueError naming op otherwise.
Reduction parse_reduction(const std::string& name, const char* op);
// loss reduced as asked: itself, its mean or its sum.
Tensor apply_reduction(const Tensor& loss, Reduction reduction);

// input and target broadcast together (the Python layer warns when their sizes differ). `weight`
// (may be null) has input's shape: mse/l1 'mean' then divides by sum(weight), huber by numel.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction, const Tensor& weight = nullptr);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, const Tensor& weight = nullptr);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta,
                  const Tensor& weight = nullptr);

// input holds probabilities in [0, 1] (checked); logs are clamped at -100. target has input's shape;
// weight broadcasts to it.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction);
// The stable form (1 - t) x - (1 + (pos_weight - 1) t) logsigmoid(x); pos_weight broadcasts along the
// last (class) dim.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction);
// reduction: "none", "mean", "sum" or "batchmean" (sum / batch size).
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target);

// Negative log-likelihood of class-index targets (int64). input (N, C), (C) or (N, C, d1, ...);
// target (N), () or (N, d1, ...); weight (C) or null. 'mean' divides by the total weight of the
// targets that are not ignore_index (all ignored: nan).
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index);
// log_softmax over dim 1 (dim 0 unbatched) + nll_loss, fused, with label smoothing; class-index
// targets (int64) or class probabilities (floating, input's shape).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                     int64_t ignore_index, double label_smoothing);

// (..., num_classes) int64 with a 1 at each value of t; num_classes = -1 takes max(t) + 1.
Tensor one_hot(const Tensor& t, int64_t num_classes);

// Cosine of the angle between x1 and x2 along dim, each norm clamped to at least eps.
Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps);
// target 1: 1 - cos(x1, x2); target -1: max(0, cos - margin). Inputs (N, D) with target (N), or (D) with ().
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction);
// max(0, -target * (input1 - input2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction);

}  // namespace cr
