// clamp (clip, clamp_min, clamp_max): bounds that are numbers (one kernel pass; a NaN bound makes
// every element NaN, as in PyTorch) or tensors (maximum then minimum, each broadcasting, with the
// three operands' dtypes promoted together). Out of place and in place; the gradient passes where
// the input lies within its bounds.
#include <cmath>
#include <limits>
#include <vector>

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

template <typename T>
T clamp_value(T x, T lo, T hi, bool has_lo, bool has_hi) {
  if (has_lo && x < lo) x = lo;  // NaN compares false and passes through, as in PyTorch
  if (has_hi && x > hi) x = hi;
  return x;
}

bool is_nan(const std::optional<Scalar>& bound) {
  return bound && bound->is_floating() && std::isnan(bound->as_double());
}

// A NaN bound makes every element NaN, as in PyTorch (its clamp fills the result with NaN).
void clamp_into(const Tensor& out, const Tensor& a, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  if (is_nan(lo) || is_nan(hi)) return fill_(out, Scalar(std::numeric_limits<double>::quiet_NaN()), "clamp");
  // bounds and values compared in float32, as PyTorch's opmath
  if (staged_in_float32(out, [&](const Tensor& o, const Tensor& x) { clamp_into(o, x, lo, hi); }, a)) return;
  Tensor in = to_dtype(a, out->dtype());
  if (!out->device().is_cpu()) {  // the dispatch point: on a GPU, maximum then minimum (NaN passes through both)
    GradModeGuard plain(false);
    Tensor bounded = in;
    if (lo) bounded = binary(BinaryOp::Maximum, bounded, *lo);
    if (hi) bounded = binary(BinaryOp::Minimum, bounded, *hi);
    return copy_(out, bounded);
  }
  CR_DISPATCH_NUMERIC(out->dtype(), "clamp", [&] {
    scalar_t l = lo ? lo->to<scalar_t>("clamp") : scalar_t(0), h = hi ? hi->to<scalar_t>("clamp") : scalar_t(0);
    bool has_lo = lo.has_value(), has_hi = hi.has_value();
    unary_kernel<scalar_t, scalar_t>(out, in, [=](scalar_t x) { return clamp_value(x, l, h, has_lo, has_hi); });
  });
}

DType clamp_dtype(DType in, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  CR_CHECK(lo || hi, ValueError, "clamp: at least one of min and max must be given");
  DType t = in;
  if (lo) t = result_type(t, *lo);
  if (hi) t = result_type(t, *hi);
  return t;
}

// The gradient passes where min <= x <= max and is 0 where clamp cut x off.
void record_clamp(const Tensor& a, const Tensor& out, const std::optional<Scalar>& lo, const std::optional<Scalar>& hi) {
  if (!needs_grad({&a})) return;
  const SavedTensor sx(a, false);
  const TensorMeta meta(a);
  record("ClampBackward1", {a}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
    Tensor x = sx.unpack(n), g = grads[0];
    Tensor keep = ones(x->sizes(), DType::Bool, x->device());
    if (lo) keep = binary(BinaryOp::LogicalAnd, keep, binary(BinaryOp::Ge, x, *lo));
    if (hi) keep = binary(BinaryOp::LogicalAnd, keep, binary(BinaryOp::Le, x, *hi));
    return {grad_for(where(keep, g, zeros({}, g->dtype(), g->device())), meta)};
  });
}

// The result dtype of clamp with tensor bounds, over the three operands at once as PyTorch does:
// tensors with a dim decide within a category, so a 0-d float64 input with float32 bounds of a dim
// is float32 (maximum then minimum, two at a time, would give float64).
DType clamp_result_type(const std::vector<Tensor>& operands) {
  std::optional<DType> dimmed, zero_d;
  for (const Tensor& t : operands) {
    std::optional<DType>& slot = t->dim() == 0 ? zero_d : dimmed;
    slot = slot ? promote_types(*slot, t->dtype()) : t->dtype();
  }
  if (!dimmed) return *zero_d;
  if (!zero_d) return *dimmed;
  return dtype_category(*zero_d) > dtype_category(*dimmed) ? *zero_d : *dimmed;
}

}  // namespace

Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  Tensor out = elementwise_output(a->sizes(), {&a}, clamp_dtype(a->dtype(), min, max), a->device(), "clamp");
  clamp_into(out, a, min, max);
  record_clamp(a, out, min, max);
  return out;
}

void clamp_(const Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max) {
  DType result = clamp_dtype(self->dtype(), min, max);
  CR_CHECK(can_cast(result, self->dtype()), RuntimeError, "clamp_: result type ", dtype_name(result),
           " can't be cast to the in-place tensor's dtype ", dtype_name(self->dtype()));
  if (in_place_needs_grad(self, {}, "clamp_")) return rebase_history(self, clamp(clone(self), min, max));
  clamp_into(self, self, min, max);
  self->bump_version();
}

Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max) {
  CR_CHECK(min || max, ValueError, "clamp: at least one of min and max must be given");
  std::vector<Tensor> operands{a};
  for (const Tensor& bound : {min, max}) {
    if (bound) operands.push_back(bound);
  }
  // In the result type of all three, as PyTorch computes: clamp(uint8, -3, 1.5) is float32 with -3
  // kept, not -3 wrapped into uint8 by a first max() in uint8.
  const DType result = clamp_result_type(operands);
  Tensor out = to_dtype(a, result);
  if (min) out = binary(BinaryOp::Maximum, out, min);
  if (max) out = binary(BinaryOp::Minimum, out, max);
  return to_dtype(out, result);
}

void clamp_(const Tensor& self, const Tensor& min, const Tensor& max) {
  // from a copy when autograd records: clamp saves its input for backward, and self is overwritten next
  const bool records = in_place_needs_grad(self, {&min, &max}, "clamp_");
  copy_(self, clamp(records ? clone(self) : self, min, max));
}

}  // namespace cr
