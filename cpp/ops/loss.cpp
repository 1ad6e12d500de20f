// Regression (mse, l1, smooth_l1, huber), binary (bce, bce with logits), divergence (kl_div) and
// similarity (cosine) losses, composed of recorded ops exactly as PyTorch writes them, so that the
// gradients w.r.t. input and target, and second derivatives, come from those ops. bce, smooth_l1
// and huber record their own nodes, with PyTorch's formulas, which stay finite where the composed
// ops' chain rule would give 0 * inf (probabilities of 0 and 1, infinite differences). Also one_hot.
#include "ops/loss.h"


#include "autograd/autocast.h"
#include "autograd/grad_mode.h"
#include "autograd/record.h"
#include "ops/activation.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/deferred_checks.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

Tensor cmp(BinaryOp op, const Tensor& a, double v) { return binary(op, a, Scalar(v)); }
Tensor abs_of(const Tensor& t) { return unary(UnaryOp::Abs, t); }

void check_floating(const Tensor& t, const char* op, const char* what) {
  CR_CHECK(is_floating(t->dtype()), DTypeError, op, ": expected a float32 or float64 ", what, ", got a ", describe(t));
}

// Records `node` for the unreduced terms of smooth_l1 (scale 1 / beta) or huber (scale 1), computed
// by the caller without recording, with PyTorch's gradient: g clamp(input - target, -bound, bound)
// scale for the input and its negative for the target. So it is +-scale bound at z = +-inf and NaN
// at NaN, where the chain rule through where() would give 0 * inf. Written with ops, so it
// differentiates again.
Tensor record_clamped_slope(const Tensor& input, const Tensor& target, const Tensor& terms, double bound, double scale,
                            const char* node) {
  if (!needs_grad({&input, &target})) return terms;
  record(node, {input, target}, {terms},
         [sx = SavedTensor(input, false), st = SavedTensor(target, false), mx = TensorMeta(input),
          mt = TensorMeta(target), bound, scale](const TensorList& g, const Node& n) -> TensorList {
           const Tensor slope = g[0] * clamp(sx.unpack(n) - st.unpack(n), Scalar(-bound), Scalar(bound)) * scale;
           return {grad_for(slope, mx), grad_for(-slope, mt)};
         });
  return terms;
}

// input - target for the pointwise losses: both floating, shapes broadcasting together.
Tensor difference(const Tensor& input, const Tensor& target, const char* op) {
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  broadcast_shapes(input->sizes(), target->sizes(), op);
  return input - target;
}

void check_weight_shape(const Tensor& weight, const Tensor& input, const char* op) {
  CR_CHECK(weight->sizes() == input->sizes(), ValueError, op, ": weight must have the input's shape ", input->sizes(),
           ", got ", weight->sizes());
}

// PyTorch's weighted mse/l1: 'mean' divides the weighted sum by the sum of the weights.
Tensor reduce_weighted(const Tensor& loss, const Tensor& weight, Reduction reduction) {
  if (!weight) return apply_reduction(loss, reduction);
  const Tensor weighted = loss * weight;
  if (reduction == Reduction::Mean) return sum(weighted) / sum(weight);
  return apply_reduction(weighted, reduction);
}

// mean (scale 1 / N) or sum (scale 1) of (input - target)^2 in one pass over the difference, under
// one node of input and target, as PyTorch's MseLossBackward0 (no SubBackward0 before it: a program
// walking grad_fn.next_functions meets the model's output there). It saves input and target, as
// PyTorch's (_saved_self, _saved_target), and its gradient, 2 scale g (input - target) and its
// negative, takes the difference again: written with ops, so it differentiates again.
Tensor scaled_sum_of_squared_differences(const Tensor& input, const Tensor& target, double scale) {
  Tensor loss;
  {
    GradModeGuard no_record(false);
    loss = scaled_sum_of_squares(difference(input, target, "mse_loss"), scale, "mse_loss");
  }
  if (needs_grad({&input, &target})) {
    record("MseLossBackward0", {input, target}, {loss},
           [sx = SavedTensor(input, false, "self"), st = SavedTensor(target, false, "target"), mx = TensorMeta(input),
            mt = TensorMeta(target), scale](const TensorList& g, const Node& n) -> TensorList {
             const Tensor slope = (sx.unpack(n) - st.unpack(n)) * (g[0] * (2 * scale));
             return {n.needs_input_grad(0) ? grad_for(slope, mx) : Tensor(),
                     n.needs_input_grad(1) ? grad_for(-slope, mt) : Tensor()};
           });
  }
  return loss;
}

}  // namespace

Reduction parse_reduction(const std::string& name, const char* op) {
  if (name == "mean") return Reduction::Mean;
  if (name == "sum") return Reduction::Sum;
  CR_CHECK(name == "none", ValueError, op, ": reduction must be 'none', 'mean' or 'sum', got '", name, "'");
  return Reduction::None;
}

Tensor apply_reduction(const Tensor& loss, Reduction reduction) {
  switch (reduction) {
    case Reduction::Mean: return mean(loss);
    case Reduction::Sum: return sum(loss);
    case Reduction::None: break;
  }
  return loss;
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction, const Tensor& weight) {
  CR_AUTOCAST(float32, mse_loss, input, target, reduction, weight);
  if (weight) check_weight_shape(weight, input, "mse_loss");
  if (weight || reduction == Reduction::None) {
    const CompositeName named("MseLossBackward0");
    return named(reduce_weighted(unary(UnaryOp::Square, difference(input, target, "mse_loss")), weight, reduction));
  }
  const int64_t count = shape_numel(broadcast_shapes(input->sizes(), target->sizes(), "mse_loss"));
  return scaled_sum_of_squared_differences(input, target, reduction == Reduction::Mean ? 1.0 / count : 1.0);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, const Tensor& weight) {
  CR_AUTOCAST(float32, l1_loss, input, target, reduction, weight);
  if (weight) check_weight_shape(weight, input, "l1_loss");
  return reduce_weighted(abs_of(difference(input, target, "l1_loss")), weight, reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  CR_AUTOCAST(float32, smooth_l1_loss, input, target, reduction, beta);
  CR_CHECK(beta >= 0, ValueError, "smooth_l1_loss: beta must not be negative, got ", beta);
  if (beta == 0) return l1_loss(input, target, reduction);  // as PyTorch: the quadratic part vanishes
  const CompositeName named("SmoothL1LossBackward0");
  Tensor terms;
  {
    GradModeGuard no_record(false);
    const Tensor z = difference(input, target, "smooth_l1_loss"), a = abs_of(z);
    terms = where(cmp(BinaryOp::Lt, a, beta), 0.5 * z * z / beta, a - 0.5 * beta);
  }
  return named(apply_reduction(record_clamped_slope(input, target, terms, beta, 1.0 / beta, "SmoothL1LossBackward0"),
                               reduction));
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta, const Tensor& weight) {
  CR_AUTOCAST(float32, huber_loss, input, target, reduction, delta, weight);
  CR_CHECK(delta > 0, ValueError, "huber_loss: delta must be positive, got ", delta);
  if (weight) check_weight_shape(weight, input, "huber_loss");
  const CompositeName named("HuberLossBackward0");
  Tensor terms;
  {
    GradModeGuard no_record(false);
    const Tensor z = difference(input, target, "huber_loss"), a = abs_of(z);
    terms = where(cmp(BinaryOp::Lt, a, delta), 0.5 * z * z, delta * (a - 0.5 * delta));
  }
  const Tensor loss = record_clamped_slope(input, target, terms, delta, 1.0, "HuberLossBackward0");
  return named(apply_reduction(weight ? loss * weight : loss, reduction));  // weighted 'mean' is mean(w * loss)
}

namespace {

// log(x) and log(1 - x), each floored at -100 as PyTorch does so that a probability of 0 or 1
// costs 100 instead of inf.
Tensor floored_log(const Tensor& x) { return clamp(unary(UnaryOp::Log, x), Scalar(-100.0), std::nullopt); }
Tensor floored_log_complement(const Tensor& x) { return clamp(unary(UnaryOp::Log1p, -x), Scalar(-100.0), std::nullopt); }

// The unweighted, unreduced terms -(t log x + (1 - t) log(1 - x)), with PyTorch's gradients: for x,
// g (x - t) / max(x (1 - x), 1e-12) (its epsilon a float32), finite at x = 0 and 1 where the
// floored logs' chain rule would give 0 * inf; for t, -g logit(x). Written with ops, so they
// differentiate again.
Tensor binary_cross_entropy_terms(const Tensor& input, const Tensor& target) {
  Tensor terms;
  {
    GradModeGuard no_record(false);
    terms = (target - 1.0) * floored_log_complement(input) - target * floored_log(input);
  }
  if (needs_grad({&input, &target})) {
    record("BinaryCrossEntropyBackward0", {input, target}, {terms},
           [sx = SavedTensor(input, false), st = SavedTensor(target, false), mx = TensorMeta(input),
            mt = TensorMeta(target)](const TensorList& g, const Node& n) -> TensorList {
             const Tensor x = sx.unpack(n), t = st.unpack(n);
             const Tensor spread = clamp(x * (1.0 - x), Scalar(static_cast<double>(1e-12f)), std::nullopt);
             const Tensor logit = unary(UnaryOp::Log, x / (1.0 - x));
             return {grad_for(g[0] * (x - t) / spread, mx), grad_for(-(g[0] * logit), mt)};
           });
  }
  return terms;
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  CR_AUTOCAST(float32, binary_cross_entropy, input, target, weight, reduction);
  const char* op = "binary_cross_entropy";
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  CR_CHECK(target->sizes() == input->sizes(), ValueError, op, ": target of shape ", target->sizes(),
           " must have the input's shape ", input->sizes());
  if (input->device().is_cpu()) {  // on a GPU not checked: PyTorch's kernel asserts on the device instead of waiting
    GradModeGuard no_record(false);
    const Tensor inside = binary(BinaryOp::LogicalAnd, cmp(BinaryOp::Ge, input, 0), cmp(BinaryOp::Le, input, 1));
    CR_CHECK(item(all(inside)).i, ValueError, op, ": every element of input must be a probability in [0, 1] "
             "(apply sigmoid first, or use binary_cross_entropy_with_logits)");
  }
  const CompositeName named("BinaryCrossEntropyBackward0");
  Tensor loss = binary_cross_entropy_terms(input, target);
  if (weight) {
    broadcast_shapes(weight->sizes(), input->sizes(), op);
    loss = loss * weight;
  }
  return named(apply_reduction(loss, reduction));
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        const Tensor& pos_weight, Reduction reduction) {
  CR_AUTOCAST(float32, binary_cross_entropy_with_logits, input, target, weight, pos_weight, reduction);
  const char* op = "binary_cross_entropy_with_logits";
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  CR_CHECK(target->sizes() == input->sizes(), ValueError, op, ": target of shape ", target->sizes(),
           " must have the input's shape ", input->sizes());
  const CompositeName named("BinaryCrossEntropyWithLogitsBackward0");
  const Tensor log_sigmoid = activation(input, Activation::logsigmoid());
  Tensor loss;
  if (pos_weight) {
    broadcast_shapes(pos_weight->sizes(), input->sizes(), op);
    loss = (1.0 - target) * input - ((pos_weight - 1.0) * target + 1.0) * log_sigmoid;
  } else {
    loss = (1.0 - target) * input - log_sigmoid;
  }
  if (weight) {
    broadcast_shapes(weight->sizes(), input->sizes(), op);
    loss = loss * weight;
  }
  return named(apply_reduction(loss, reduction));
}

Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction, bool log_target) {
  CR_AUTOCAST(float32, kl_div, input, target, reduction, log_target);
  const char* op = "kl_div";
  const bool batchmean = reduction == "batchmean";
  const Reduction r = batchmean ? Reduction::Sum : parse_reduction(reduction, "kl_div (or 'batchmean')");
  check_floating(input, op, "input");
  check_floating(target, op, "target");
  broadcast_shapes(input->sizes(), target->sizes(), op);
  Tensor loss;
  if (log_target) {
    loss = unary(UnaryOp::Exp, target) * (target - input);
  } else {
    loss = binary(BinaryOp::Xlogy, target, target) - target * input;
  }
  Tensor out = apply_reduction(loss, r);
  if (batchmean && input->dim() > 0) out = out / static_cast<double>(input->size(0));
  return out;
}

namespace {

// one_hot of GPU class values, as PyTorch builds it there: ones scattered into zeros, the values
// checked on the GPU (ops/deferred_checks.h: the ValueError comes at the next wait) rather than
// read on the host; only num_classes == -1 waits, for the largest value.
Tensor one_hot_on_device(const Tensor& t, int64_t num_classes) {
  if (num_classes == -1) {
    CR_CHECK(t->numel() > 0, ValueError, "one_hot: cannot infer the number of classes from an empty tensor; pass num_classes");
    num_classes = std::max<int64_t>(item(max_all(t)).to<int64_t>(), 0) + 1;
  }
  CR_CHECK(num_classes >= 0, ValueError, "one_hot: num_classes must be -1 or non-negative, got ", num_classes);
  Shape sizes = t->sizes();
  sizes.push_back(num_classes);
  defer_range_check(t, 0, num_classes, raise_error<ValueError>, "one_hot: class value ",
                    str_cat(" is outside [0, num_classes = ", num_classes, ")"));
  Tensor out = zeros(sizes, DType::Int64, t->device());
  if (t->numel() > 0) scatter_(out, -1, unsqueeze(t, -1), Scalar(1));
  return out;
}

}  // namespace

Tensor one_hot(const Tensor& t, int64_t num_classes) {
  CR_CHECK(t->dtype() == DType::Int64, DTypeError, "one_hot: expected an int64 tensor of class indices, got a ", describe(t));
  if (!t->device().is_cpu()) return one_hot_on_device(t, num_classes);
  const Tensor tc = contiguous(t);
  const int64_t* v = tc->data<int64_t>();
  const int64_t n = tc->numel();
  int64_t lo = 0, hi = -1;
  for (int64_t i = 0; i < n; ++i) lo = std::min(lo, v[i]), hi = std::max(hi, v[i]);
  CR_CHECK(lo >= 0, ValueError, "one_hot: class values must be non-negative, got ", lo);
  if (num_classes == -1) {
    CR_CHECK(n > 0, ValueError, "one_hot: cannot infer the number of classes from an empty tensor; pass num_classes");
    num_classes = hi + 1;
  }
  CR_CHECK(num_classes >= 0, ValueError, "one_hot: num_classes must be -1 or non-negative, got ", num_classes);
  CR_CHECK(hi < num_classes, ValueError, "one_hot: class value ", hi, " is not smaller than num_classes (", num_classes, ")");
  Shape sizes = t->sizes();
  sizes.push_back(num_classes);
  Tensor out = zeros(sizes, DType::Int64, t->device());
  int64_t* o = out->data<int64_t>();
  for (int64_t i = 0; i < n; ++i) o[i * num_classes + v[i]] = 1;
  return out;
}

Tensor cosine_similarity(const Tensor& x1, const Tensor& x2, int64_t dim, double eps) {
  const char* op = "cosine_similarity";
  check_floating(x1, op, "x1");
  check_floating(x2, op, "x2");
  const Shape shape = broadcast_shapes(x1->sizes(), x2->sizes(), op);
  dim = wrap_dim(dim, static_cast<int64_t>(shape.size()), op);
  const Tensor a = expand(x1, shape), b = expand(x2, shape);
  const std::vector<int64_t> along{dim};
  // As PyTorch: each input divided by its norm, the norms clamped to eps outside autograd.
  Tensor na = clone(norm(a, 2, along, true)), nb = clone(norm(b, 2, along, true));
  {
    GradModeGuard no_record(false);
    clamp_(na, Scalar(eps), std::nullopt);
    clamp_(nb, Scalar(eps), std::nullopt);
  }
  return sum((a / na) * (b / nb), along);
}

Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                             Reduction reduction) {
  CR_AUTOCAST(float32, cosine_embedding_loss, input1, input2, target, margin, reduction);
  const char* op = "cosine_embedding_loss";
  check_floating(input1, op, "input1");
  check_floating(input2, op, "input2");
  const int64_t tdim = target->dim();
  CR_CHECK(tdim <= 1, ValueError, op, ": expected a 0-d or 1-d target, got target of shape ", target->sizes());
  CR_CHECK(input1->dim() == tdim + 1 && input2->dim() == tdim + 1, ValueError, op, ": a ", tdim,
           "-d target needs ", tdim + 1, "-d inputs, got inputs of shapes ", input1->sizes(), " and ", input2->sizes());
  const std::vector<int64_t> along{tdim};
  constexpr double kEpsilon = 1e-12;
  const Tensor prod = sum(input1 * input2, along);
  const Tensor mag1 = sum(input1 * input1, along) + kEpsilon, mag2 = sum(input2 * input2, along) + kEpsilon;
  const Tensor cos = prod / unary(UnaryOp::Sqrt, mag1 * mag2);
  const Tensor zero = zeros({}, cos->dtype(), cos->device());
  const Tensor pos = where(cmp(BinaryOp::Eq, target, 1), 1.0 - cos, zero);
  const Tensor neg = where(cmp(BinaryOp::Eq, target, -1), clamp(cos - margin, Scalar(0.0), std::nullopt), zero);
  return apply_reduction(pos + neg, reduction);
}

Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target, double margin,
                           Reduction reduction) {
  CR_AUTOCAST(float32, margin_ranking_loss, input1, input2, target, margin, reduction);
  const char* op = "margin_ranking_loss";
  check_floating(input1, op, "input1");
  check_floating(input2, op, "input2");
  CR_CHECK(input1->dim() == input2->dim() && input1->dim() == target->dim(), ValueError, op,
           ": all inputs must have the same number of dimensions, got shapes ", input1->sizes(), ", ",
           input2->sizes(), " and ", target->sizes());
  broadcast_shapes(broadcast_shapes(input1->sizes(), input2->sizes(), op), target->sizes(), op);
  return apply_reduction(clamp(-target * (input1 - input2) + margin, Scalar(0.0), std::nullopt), reduction);
}

}  // namespace cr
