// nll_loss and cross_entropy with class-index targets, each one fused kernel forward and one
// backward. The input is viewed as (N, C, inner) (C the class dim, inner the product of d1, ...),
// the int64 target as (N, inner). cross_entropy computes the log-softmax of each position's C
// logits on the fly (lse = logsumexp, kept for backward) and adds label smoothing; its gradient is
//   g * ((A + B sum(w)) softmax(x) - A onehot(t) - B w),
// with A = (1 - eps) w[t] s and B = eps / C * s (both 0 where t is ignore_index), s being the
// reduction's scale (1, or for 'mean' 1 / the total weight of the targets not ignored, as in
// PyTorch). nll_loss is the eps = 0 case on log-probs: -g A onehot(t). Under create_graph the same gradient is built from recorded ops (softmax, mul)
// with A and B as constant tensors, so it differentiates again.
#include <cmath>
#include <vector>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/loss.h"
#include "ops/reduce.h"
#include "ops/softmax.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// What forward found out and backward reuses. Data pointers come from the contiguous tensors.
struct ClassLoss {
  int64_t n = 1, classes = 0, inner = 1;
  Tensor target;  // (N * inner) int64, contiguous, validated, never written by anyone else
  Tensor weight;  // (C) in the input's dtype, contiguous, private, or null
  int64_t ignore_index = -100;
  double smoothing = 0;
  Reduction reduction = Reduction::Mean;
  double scale = 1;                        // what the reduction multiplies each position's terms by
  double weight_total = 0;                 // sum(w) over all classes
};

Shape class_view(const ClassLoss& L) { return {L.n, L.classes, L.inner}; }

// Shape checks of PyTorch's nll_loss (all before any memory is read); returns the layout.
ClassLoss check_class_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                           const char* op) {
  CR_CHECK(is_floating(input->dtype()), TypeError, op, ": expected a float32 or float64 input, got a ", describe(input));
  CR_CHECK(target->dtype() == DType::Int64, TypeError, op, ": expected an int64 target of class indices, got a ",
           describe(target));
  CR_CHECK(input->dim() >= 1, ValueError, op, ": expected an input of shape (C), (N, C) or (N, C, d1, ...), got ",
           describe(input));
  ClassLoss L;
  L.ignore_index = ignore_index;
  if (input->dim() == 1) {
    CR_CHECK(target->dim() == 0, ValueError, op, ": an unbatched input of shape ", input->sizes(),
             " needs a 0-d target, got target of shape ", target->sizes());
    L.classes = input->size(0);
  } else {
    CR_CHECK(target->dim() >= 1 && target->size(0) == input->size(0), ValueError, op, ": expected input batch_size (",
             input->size(0), ") to match target batch_size (", target->dim() ? target->size(0) : 0,
             "): input of shape ", input->sizes(), ", target of shape ", target->sizes());
    Shape expected{input->size(0)};
    for (int64_t d = 2; d < input->dim(); ++d) expected.push_back(input->size(d));
    CR_CHECK(target->sizes() == expected, ValueError, op, ": expected a target of shape ", expected,
             " for an input of shape ", input->sizes(), ", got ", target->sizes());
    L.n = input->size(0);
    L.classes = input->size(1);
    for (int64_t d = 2; d < input->dim(); ++d) L.inner *= input->size(d);
  }
  if (weight) {
    CR_CHECK(weight->dim() == 1 && weight->size(0) == L.classes, ValueError, op,
             ": weight must have one entry per class (", L.classes, " classes), got weight of shape ", weight->sizes());
    CR_CHECK(is_floating(weight->dtype()), TypeError, op, ": weight must be a floating tensor, got a ", describe(weight));
    CR_CHECK(!(weight->requires_grad() && GradMode::is_enabled()), RuntimeError, op,
             ": the derivative for weight is not implemented (as in PyTorch); pass weight.detach()");
  }
  L.target = clone(target);  // private: target values changed in place later never reach backward
  const int64_t* t = L.target->data<int64_t>();
  for (int64_t i = 0; i < L.target->numel(); ++i) {
    CR_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < L.classes), IndexError, op, ": target ", t[i],
             " is out of bounds for ", L.classes, " classes (at flat position ", i, " of a target of shape ",
             target->sizes(), ")");
  }
  if (weight) L.weight = clone(to_dtype(weight, input->dtype()));  // private, like the target
  return L;
}

// Per-position terms of the forward kernel, in double for the reduction.
struct Terms {
  std::vector<double> nll, smooth;
};

// Positions [b, e) of batch entries: lse (from logits) and the nll / smoothing terms.
// kUnit: inner == 1, so the C values of a position are adjacent.
template <typename T, bool kFromLogits, bool kUnit>
void forward_range(const T* x, const ClassLoss& L, T* lse, Terms& terms, int64_t b, int64_t e) {
  const int64_t C = L.classes, inner = kUnit ? 1 : L.inner, stride = kUnit ? 1 : L.inner;
  const int64_t* target = L.target->data<int64_t>();
  const T* w = L.weight ? L.weight->data<T>() : nullptr;
  for (int64_t n = b; n < e; ++n) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t pos = n * inner + j, t = target[pos];
      const T* row = x + n * C * inner + j;
      if (t == L.ignore_index) {
        terms.nll[pos] = 0;
        if (!terms.smooth.empty()) terms.smooth[pos] = 0;
        continue;
      }
      const T wt = w ? w[t] : T(1);
      if constexpr (!kFromLogits) {
        terms.nll[pos] = -static_cast<double>(row[t * stride]) * wt;
        continue;
      } else {
        T m = row[0];
#pragma omp simd reduction(max : m)
        for (int64_t c = 1; c < C; ++c) m = std::max(m, row[c * stride]);
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t c = 0; c < C; ++c) s += cpu::vec::exp(row[c * stride] - m);
        const T l = m + std::log(s);
        lse[pos] = l;
        terms.nll[pos] = -static_cast<double>(row[t * stride] - l) * wt;
        if (L.smoothing > 0) {  // -sum_c w_c (x_c - lse)
          double weighted = 0;
          for (int64_t c = 0; c < C; ++c) weighted += static_cast<double>(w ? w[c] : T(1)) * row[c * stride];
          terms.smooth[pos] = L.weight_total * l - weighted;
        }
      }
    }
  }
}

// Runs fn(b, e) over batch entries, split across threads when the input is large.
template <typename Fn>
void for_batches(const ClassLoss& L, const Fn& fn) {
  const int64_t per_entry = std::max<int64_t>(1, L.classes * L.inner);
  if (cpu::should_parallelize(L.n * per_entry)) {
    cpu::parallel_for(0, L.n, std::max<int64_t>(1, cpu::kMinChunk / per_entry), fn);
  } else {
    fn(0, L.n);
  }
}

// The A and B factors of one position (without the incoming gradient); 0 when ignored.
template <typename T>
void position_factors(const ClassLoss& L, int64_t t, const T* w, T& A, T& B) {
  if (t == L.ignore_index) {
    A = B = 0;
    return;
  }
  A = static_cast<T>((1 - L.smoothing) * (w ? static_cast<double>(w[t]) : 1.0) * L.scale);
  B = static_cast<T>(L.smoothing / static_cast<double>(L.classes) * L.scale);
}

// dx (N, C, inner) from the incoming gradient g (one value, or one per position).
template <typename T, bool kFromLogits, bool kUnit>
void backward_range(const T* x, const T* lse, const T* g, bool g_per_position, const ClassLoss& L, T* dx, int64_t b,
                    int64_t e) {
  const int64_t C = L.classes, inner = kUnit ? 1 : L.inner, stride = kUnit ? 1 : L.inner;
  const int64_t* target = L.target->data<int64_t>();
  const T* w = L.weight ? L.weight->data<T>() : nullptr;
  for (int64_t n = b; n < e; ++n) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t pos = n * inner + j, t = target[pos], at = n * C * inner + j;
      T* out = dx + at;
      if (!kFromLogits || t == L.ignore_index) {
        for (int64_t c = 0; c < C; ++c) out[c * stride] = T(0);
        if (t == L.ignore_index) continue;
      }
      const T gv = g[g_per_position ? pos : 0];
      T A, B;
      position_factors(L, t, w, A, B);
      A *= gv, B *= gv;
      if constexpr (kFromLogits) {
        const T* row = x + at;
        const T coef = A + B * static_cast<T>(L.weight_total), l = lse[pos];
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) out[c * stride] = coef * cpu::vec::exp(row[c * stride] - l) - B;
        if (w) {  // the smoothing term is B w_c, not B
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) out[c * stride] += B * (T(1) - w[c]);
        }
      }
      out[t * stride] -= A;
    }
  }
}

// The constant tensors of the recorded gradient: K (N, 1, inner) = A + B sum(w) and
// Q (N, C, inner) = A onehot(t) + B w.
std::pair<Tensor, Tensor> gradient_constants(const ClassLoss& L, DType dtype, Device device) {
  Tensor K = zeros({L.n, 1, L.inner}, dtype, device), Q = zeros(class_view(L), dtype, device);
  CR_DISPATCH_FLOATING(dtype, "cross_entropy", [&] {
    const int64_t* target = L.target->data<int64_t>();
    const scalar_t* w = L.weight ? L.weight->data<scalar_t>() : nullptr;
    scalar_t* k = K->data<scalar_t>();
    scalar_t* q = Q->data<scalar_t>();
    for (int64_t n = 0; n < L.n; ++n) {
      for (int64_t j = 0; j < L.inner; ++j) {
        const int64_t pos = n * L.inner + j, t = target[pos];
        if (t == L.ignore_index) continue;
        scalar_t A, B;
        position_factors(L, t, w, A, B);
        k[pos] = A + B * static_cast<scalar_t>(L.weight_total);
        for (int64_t c = 0; c < L.classes; ++c) q[(n * L.classes + c) * L.inner + j] = B * (w ? w[c] : scalar_t(1));
        q[(n * L.classes + t) * L.inner + j] += A;
      }
    }
  });
  return {K, Q};
}

// The reduction's scale, the total and, for 'none', the per-position losses (in none_out).
template <typename T>
double reduce_terms(ClassLoss& L, const Terms& terms, T* none_out) {
  const int64_t positions = L.n * L.inner;
  const T* w = L.weight ? L.weight->data<T>() : nullptr;
  const int64_t* target = L.target->data<int64_t>();
  double kept_weight = 0, nll = 0, smooth = 0;
  for (int64_t i = 0; i < positions; ++i) {
    if (target[i] != L.ignore_index) kept_weight += w ? static_cast<double>(w[target[i]]) : 1.0;
    nll += terms.nll[i];
    if (!terms.smooth.empty()) smooth += terms.smooth[i];
  }
  const double eps_c = L.classes ? L.smoothing / static_cast<double>(L.classes) : 0.0;
  if (L.reduction == Reduction::Mean) {
    L.scale = 1 / kept_weight;  // PyTorch: 0 / 0 = nan when every target is ignored
  }
  if (L.reduction == Reduction::None) {
    for (int64_t i = 0; i < positions; ++i) {
      none_out[i] = static_cast<T>((1 - L.smoothing) * terms.nll[i] + (terms.smooth.empty() ? 0.0 : eps_c * terms.smooth[i]));
    }
  }
  return L.scale * ((1 - L.smoothing) * nll + (L.smoothing > 0 ? eps_c * smooth : 0.0));
}

// The gradient w.r.t. the input (shape `input_sizes`, `dtype`) for the incoming gradient g; x (the
// logits) is read by cross_entropy only (null for nll_loss).
template <bool kFromLogits>
Tensor class_loss_backward(const Tensor& g_in, const Tensor& x, const Tensor& lse, const ClassLoss& L,
                           const Shape& input_sizes, DType dtype) {
  const Tensor g = contiguous(to_dtype(g_in, dtype));
  const bool per_position = L.reduction == Reduction::None;
  if (GradMode::is_enabled()) {  // create_graph: recorded ops
    auto [K, Q] = gradient_constants(L, dtype, g->device());
    const Tensor gv = per_position ? reshape(g, {L.n, 1, L.inner}) : g;
    Tensor grad;
    if constexpr (kFromLogits) grad = gv * (K * reshape(softmax(x, x->dim() == 1 ? 0 : 1), class_view(L)) - Q);
    else grad = -(gv * Q);
    return reshape(grad, input_sizes);
  }
  const Tensor xc = kFromLogits ? contiguous(x) : nullptr;
  Tensor dx = TensorImpl::empty(input_sizes, dtype, g->device());
  CR_DISPATCH_FLOATING(dtype, "cross_entropy", [&] {
    const scalar_t* xp = kFromLogits ? xc->data<scalar_t>() : nullptr;
    const scalar_t* lp = kFromLogits ? lse->data<scalar_t>() : nullptr;
    const scalar_t* gp = g->data<scalar_t>();
    scalar_t* out = dx->data<scalar_t>();
    for_batches(L, [&](int64_t b, int64_t e) {
      if (L.inner == 1) backward_range<scalar_t, kFromLogits, true>(xp, lp, gp, per_position, L, out, b, e);
      else backward_range<scalar_t, kFromLogits, false>(xp, lp, gp, per_position, L, out, b, e);
    });
  });
  return dx;
}

template <bool kFromLogits>
Tensor class_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                  int64_t ignore_index, double smoothing, const char* op) {
  cpu_kernels_device(op, {&input, &target, &weight});
  ClassLoss L = check_class_loss(input, target, weight, ignore_index, op);
  L.smoothing = smoothing;
  L.reduction = reduction;
  L.weight_total = static_cast<double>(L.classes);
  const Tensor x = contiguous(input);
  const int64_t positions = L.n * L.inner;
  Tensor lse = kFromLogits ? TensorImpl::empty({positions}, x->dtype(), x->device()) : nullptr;
  Tensor out = TensorImpl::empty(reduction == Reduction::None ? target->sizes() : Shape{}, x->dtype(), x->device());
  Terms terms{std::vector<double>(positions), std::vector<double>(smoothing > 0 ? positions : 0)};
  CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
    const scalar_t* w = L.weight ? L.weight->data<scalar_t>() : nullptr;
    if (w) {
      L.weight_total = 0;
      for (int64_t c = 0; c < L.classes; ++c) L.weight_total += w[c];
    }
    const scalar_t* xp = x->data<scalar_t>();
    scalar_t* lp = lse ? lse->data<scalar_t>() : nullptr;
    for_batches(L, [&](int64_t b, int64_t e) {
      if (L.inner == 1) forward_range<scalar_t, kFromLogits, true>(xp, L, lp, terms, b, e);
      else forward_range<scalar_t, kFromLogits, false>(xp, L, lp, terms, b, e);
    });
    const double total = reduce_terms<scalar_t>(L, terms, out->data<scalar_t>());
    if (reduction != Reduction::None) *out->data<scalar_t>() = static_cast<scalar_t>(total);
  });
  if (needs_grad({&input})) {
    const SavedTensor sx = kFromLogits ? SavedTensor(input, false) : SavedTensor();
    const Shape sizes = input->sizes();
    const DType dtype = input->dtype();
    record(kFromLogits ? "CrossEntropyLossBackward0" : "NllLossBackward0", {input}, {out},
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
  return class_loss<false>(input, target, weight, reduction, ignore_index, 0.0, "nll_loss");
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  CR_CHECK(label_smoothing >= 0 && label_smoothing <= 1, ValueError,
           "cross_entropy: label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  CR_CHECK(input->dim() >= 1, ValueError, "cross_entropy: expected an input of shape (C), (N, C) or (N, C, d1, ...), got ",
           describe(input));
  if (is_floating(target->dtype())) return cross_entropy_probabilities(input, target, weight, reduction, label_smoothing);
  return class_loss<true>(input, target, weight, reduction, ignore_index, label_smoothing, "cross_entropy");
}

}  // namespace cr
