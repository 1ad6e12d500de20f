// nll_loss and cross_entropy with class-index targets: the ops check the input, target and weight,
// and run the kernels of cpu/loss_nll.h (one fused pass forward, then the reduction of the
// per-position terms; one fused pass backward). Under create_graph the same gradient is built from
// recorded ops (softmax, mul) with the kernel's constants A and B as tensors, so it differentiates again.
#include <utility>
#include <vector>

#include "autograd/autocast.h"
#include "autograd/record.h"
#include "cpu/loss_nll.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/deferred_checks.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// What forward found out and backward reuses. Data pointers come from the contiguous tensors.
struct ClassLoss {
  cpu::ClassLossShape shape{1, 0, 1, -100, 0.0, 0.0, 1.0};
  Tensor target;  // (N * inner) int64, contiguous, validated, never written by anyone else
  Tensor weight;  // (C) in the input's dtype, contiguous, private, or null
  Reduction reduction = Reduction::Mean;

  template <typename T>
  const T* weight_data() const { return weight ? weight->data<T>() : nullptr; }
  const int64_t* target_data() const { return target->data<int64_t>(); }
};

Shape class_view(const cpu::ClassLossShape& s) { return {s.n, s.classes, s.inner}; }

// Shape checks of PyTorch's nll_loss (all before any memory is read), then, with check_values (a
// CPU target), every target value; returns the layout.
ClassLoss check_class_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                           const char* op, bool check_values = true) {
  CR_CHECK(is_floating(input->dtype()), DTypeError, op, ": expected a float32 or float64 input, got a ", describe(input));
  CR_CHECK(target->dtype() == DType::Int64, DTypeError, op, ": expected an int64 (or uint8) target of class indices, got a ",
           describe(target));
  CR_CHECK(input->dim() >= 1, ValueError, op, ": expected an input of shape (C), (N, C) or (N, C, d1, ...), got ",
           describe(input));
  ClassLoss L;
  L.shape.ignore_index = ignore_index;
  if (input->dim() == 1) {
    CR_CHECK(target->dim() == 0, ValueError, op, ": an unbatched input of shape ", input->sizes(),
             " needs a 0-d target, got target of shape ", target->sizes());
    L.shape.classes = input->size(0);
  } else {
    CR_CHECK(target->dim() >= 1 && target->size(0) == input->size(0), ValueError, op, ": expected input batch_size (",
             input->size(0), ") to match target batch_size (", target->dim() ? target->size(0) : 0,
             "): input of shape ", input->sizes(), ", target of shape ", target->sizes());
    Shape expected{input->size(0)};
    for (int64_t d = 2; d < input->dim(); ++d) expected.push_back(input->size(d));
    CR_CHECK(target->sizes() == expected, ValueError, op, ": expected a target of shape ", expected,
             " for an input of shape ", input->sizes(), ", got ", target->sizes());
    L.shape.n = input->size(0);
    L.shape.classes = input->size(1);
    for (int64_t d = 2; d < input->dim(); ++d) L.shape.inner *= input->size(d);
  }
  if (weight) {
    CR_CHECK(weight->dim() == 1 && weight->size(0) == L.shape.classes, ValueError, op,
             ": weight must have one entry per class (", L.shape.classes, " classes), got weight of shape ",
             weight->sizes());
    CR_CHECK(is_floating(weight->dtype()), DTypeError, op, ": weight must be a floating tensor, got a ", describe(weight));
    CR_CHECK(!(weight->requires_grad() && GradMode::is_enabled()), RuntimeError, op,
             ": the derivative for weight is not implemented (as in PyTorch); pass weight.detach()");
  }
  if (!check_values) return L;
  L.target = clone(target);  // private: target values changed in place later never reach backward
  const int64_t* t = L.target->data<int64_t>();
  for (int64_t i = 0; i < L.target->numel(); ++i) {
    CR_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < L.shape.classes), IndexError, op, ": target ", t[i],
             " is out of bounds for ", L.shape.classes, " classes (at flat position ", i, " of a target of shape ",
             target->sizes(), ")");
  }
  if (weight) L.weight = clone(to_dtype(weight, input->dtype()));  // private, like the target
  return L;
}

// The constant tensors of the recorded gradient: K (N, 1, inner) = A + B sum(w) and
// Q (N, C, inner) = A onehot(t) + B w.
std::pair<Tensor, Tensor> gradient_constants(const ClassLoss& L, DType dtype, Device device) {
  const cpu::ClassLossShape& s = L.shape;
  Tensor K = zeros({s.n, 1, s.inner}, dtype, device), Q = zeros(class_view(s), dtype, device);
  CR_DISPATCH_FLOATING(dtype, "cross_entropy", [&] {
    cpu::class_loss_gradient_constants(L.target_data(), L.weight_data<scalar_t>(), s, K->data<scalar_t>(),
                                       Q->data<scalar_t>());
  });
  return {K, Q};
}

// The gradient w.r.t. the input (shape `input_sizes`, `dtype`) for the incoming gradient g; x (the
// logits) is read by cross_entropy only (null for nll_loss).
template <bool kFromLogits>
Tensor class_loss_backward(const Tensor& g_in, const Tensor& x, const Tensor& lse, const ClassLoss& L,
                           const Shape& input_sizes, DType dtype) {
  const Tensor g = contiguous(to_dtype(g_in, dtype));
  const bool per_position = L.reduction == Reduction::None;
  const cpu::ClassLossShape& s = L.shape;
  if (GradMode::is_enabled()) {  // create_graph: recorded ops
    auto [K, Q] = gradient_constants(L, dtype, g->device());
    const Tensor gv = per_position ? reshape(g, {s.n, 1, s.inner}) : g;
    Tensor grad;
    if constexpr (kFromLogits) grad = gv * (K * reshape(softmax(x, x->dim() == 1 ? 0 : 1), class_view(s)) - Q);
    else grad = -(gv * Q);
    return reshape(grad, input_sizes);
  }
  const Tensor xc = kFromLogits ? contiguous(x) : nullptr;
  Tensor dx = TensorImpl::empty(input_sizes, dtype, g->device());
  CR_DISPATCH_FLOATING(dtype, "cross_entropy", [&] {
    const scalar_t* w = L.weight_data<scalar_t>();
    const scalar_t* gp = g->data<scalar_t>();
    if constexpr (kFromLogits) {
      cpu::cross_entropy_backward(xc->data<scalar_t>(), lse->data<scalar_t>(), L.target_data(), w, gp, per_position,
                                  s, dx->data<scalar_t>());
    } else {
      cpu::nll_loss_backward(L.target_data(), w, gp, per_position, s, dx->data<scalar_t>());
    }
  });
  return dx;
}

// The loss on a GPU, from recorded ops (log_softmax, a one-hot mask of the targets, sums): per
// position (1 - eps) w_t nll + eps sum_c w_c (-log p_c) / C, kept where the target is not ignored;
// a mean divides by the kept targets' total weight. The target values are checked on the GPU, the
// error raised at the next wait for it (ops/deferred_checks.h); a bad target matches no class.
template <bool kFromLogits>
Tensor class_loss_from_ops(const Tensor& x, const Tensor& target, const Tensor& weight, Reduction reduction,
                           int64_t ignore_index, double smoothing, const char* op) {
  check_class_loss(x, target, weight, ignore_index, op, /*check_values=*/false);
  const int64_t class_dim = x->dim() == 1 ? 0 : 1, classes = x->size(class_dim);
  {
    GradModeGuard no_record(false);
    defer_range_check(target, 0, classes, raise_error<IndexError>, str_cat(op, ": target "),
                      str_cat(" is out of bounds for ", classes, " classes"),
                      binary(BinaryOp::Eq, target, Scalar(ignore_index)));
  }
  Shape along(static_cast<size_t>(x->dim()), 1);
  along[class_dim] = classes;
  const std::vector<int64_t> over_classes{class_dim};
  const Tensor log_p = kFromLogits ? log_softmax(x, class_dim) : x;
  const Tensor labels =
      reshape(arange(Scalar(int64_t{0}), Scalar(classes), Scalar(int64_t{1}), DType::Int64, x->device()), along);
  const Tensor one_hot = binary(BinaryOp::Eq, unsqueeze(target, class_dim), labels);
  const Tensor zero = zeros({}, x->dtype(), x->device());
  const Tensor w = weight ? reshape(to_dtype(weight, x->dtype()), along) : nullptr;
  const Tensor kept = to_dtype(binary(BinaryOp::Ne, target, Scalar(ignore_index)), x->dtype());
  const Tensor target_weight = w ? sum(where(one_hot, w, zero), over_classes) * kept : kept;
  Tensor loss = -sum(where(one_hot, log_p, zero), over_classes) * target_weight;
  if (smoothing > 0) {
    const Tensor smooth = -sum(w ? log_p * w : log_p, over_classes) * kept / static_cast<double>(classes);
    loss = loss * (1 - smoothing) + smooth * smoothing;
  }
  if (reduction == Reduction::None) return loss;
  const Tensor total = sum(loss);
  return reduction == Reduction::Sum ? total : total / sum(target_weight);
}

template <bool kFromLogits>
Tensor class_loss(const Tensor& input, const Tensor& target_indices, const Tensor& weight, Reduction reduction,
                  int64_t ignore_index, double smoothing, const char* op) {
  common_device(op, {&input, &target_indices, &weight});
  if (any_reduced_float({&input, &weight})) {  // 16-bit floats: the loss in float32, rounded once
    return to_dtype(class_loss<kFromLogits>(widened(input), target_indices, widened(weight), reduction, ignore_index,
                                            smoothing, op),
                    input->dtype());
  }
  // PyTorch takes class indices as int64 or uint8 ("Long or Byte").
  const Tensor target =
      target_indices->dtype() == DType::UInt8 ? to_dtype(target_indices, DType::Int64) : target_indices;
  if (!input->device().is_cpu()) {  // the family's dispatch point
    return class_loss_from_ops<kFromLogits>(input, target, weight, reduction, ignore_index, smoothing, op);
  }
  ClassLoss L = check_class_loss(input, target, weight, ignore_index, op);
  cpu::ClassLossShape& s = L.shape;
  s.smoothing = smoothing;
  L.reduction = reduction;
  const Tensor x = contiguous(input);
  const int64_t positions = s.n * s.inner;
  Tensor lse = kFromLogits ? TensorImpl::empty({positions}, x->dtype(), x->device()) : nullptr;
  Tensor out = TensorImpl::empty(reduction == Reduction::None ? target->sizes() : Shape{}, x->dtype(), x->device());
  // Per-position terms in float64 for the reduction: the nll term and, with smoothing, the smoothing term.
  const Tensor nll = TensorImpl::empty({positions}, DType::Float64, x->device());
  const Tensor smooth = smoothing > 0 ? TensorImpl::empty({positions}, DType::Float64, x->device()) : nullptr;
  CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
    const scalar_t* w = L.weight_data<scalar_t>();
    s.weight_total = cpu::class_weight_total(w, s.classes);
    double* nll_terms = nll->data<double>();
    double* smooth_terms = smooth ? smooth->data<double>() : nullptr;
    if constexpr (kFromLogits) {
      cpu::cross_entropy_terms(x->data<scalar_t>(), L.target_data(), w, s, lse->data<scalar_t>(), nll_terms,
                               smooth_terms);
    } else {
      cpu::nll_loss_terms(x->data<scalar_t>(), L.target_data(), w, s, nll_terms);
    }
    if (reduction == Reduction::Mean) {
      s.scale = 1 / cpu::kept_target_weight(L.target_data(), w, s);  // PyTorch: 0 / 0 = nan when all are ignored
    }
    if (reduction == Reduction::None) cpu::class_loss_per_position(nll_terms, smooth_terms, s, out->data<scalar_t>());
    else *out->data<scalar_t>() = static_cast<scalar_t>(cpu::class_loss_total(nll_terms, smooth_terms, s));
  });
  if (needs_grad({&input})) {
    const SavedTensor sx = kFromLogits ? SavedTensor(input, false) : SavedTensor();
    const Shape sizes = input->sizes();
    const DType dtype = input->dtype();
    // PyTorch's cross_entropy is nll_loss(log_softmax(x)): its result's node is NllLossBackward0
    record("NllLossBackward0", {input}, {out},
           [sx, lse, L, sizes, dtype](const TensorList& g, const Node& n) -> TensorList {
             return {class_loss_backward<kFromLogits>(g[0], sx.unpack(n), lse, L, sizes, dtype)};
           });
  }
  return out;
}

// cross_entropy with class probabilities: -sum(w_c y_c log_softmax(x)_c), y smoothed, as PyTorch.
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const Tensor& weight,
                                   Reduction reduction, double smoothing) {
  CR_CHECK(target->sizes() == input->sizes(), ValueError, "cross_entropy: a target of class probabilities must have "
           "the input's shape ", input->sizes(), ", got ", target->sizes(), " (class indices must be int64)");
  const int64_t class_dim = input->dim() == 1 ? 0 : 1;
  const int64_t classes = input->dim() ? input->size(class_dim) : 1;
  Tensor y = smoothing > 0 ? target * (1 - smoothing) + smoothing / static_cast<double>(classes) : target;
  Tensor prod = log_softmax(input, class_dim) * y;
  if (weight) {
    CR_CHECK(weight->dim() == 1 && weight->size(0) == classes, ValueError, "cross_entropy: weight must have one "
             "entry per class (", classes, " classes), got weight of shape ", weight->sizes());
    Shape along(static_cast<size_t>(input->dim()), 1);
    along[class_dim] = classes;
    prod = prod * reshape(weight, along);
  }
  if (reduction == Reduction::None) return -sum(prod, std::vector<int64_t>{class_dim});
  Tensor total = -sum(prod);
  if (reduction == Reduction::Sum) return total;
  return total / static_cast<double>(classes ? input->numel() / classes : 0);
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  CR_AUTOCAST(float32, nll_loss, input, target, weight, reduction, ignore_index);
  return class_loss<false>(input, target, weight, reduction, ignore_index, 0.0, "nll_loss");
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  CR_AUTOCAST(float32, cross_entropy, input, target, weight, reduction, ignore_index, label_smoothing);
  CR_CHECK(label_smoothing >= 0 && label_smoothing <= 1, ValueError,
           "cross_entropy: label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  CR_CHECK(input->dim() >= 1, ValueError, "cross_entropy: expected an input of shape (C), (N, C) or (N, C, d1, ...), got ",
           describe(input));
  if (is_floating(target->dtype())) return cross_entropy_probabilities(input, target, weight, reduction, label_smoothing);
  return class_loss<true>(input, target, weight, reduction, ignore_index, label_smoothing, "cross_entropy");
}

}  // namespace cr
