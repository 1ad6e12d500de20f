// softmax and log_softmax: the op checks its argument, makes the input contiguous and runs the
// kernel of cpu/softmax.h on it viewed as (outer, n, inner), the softmax dim in the middle.
// Backward (SoftmaxBackward0, LogSoftmaxBackward0) runs the fused backward kernel, or, when the
// backward itself is being recorded (create_graph=True), the same formula as recorded ops, which
// differentiate again.
#include "ops/softmax.h"

#include <vector>

#include "autograd/record.h"
#include "cpu/softmax.h"
#include "ops/copy.h"
#include "ops/float32_staging.h"
#include "ops/reduce.h"
#include "ops/tensor_math.h"

namespace cr {

namespace {

// t's sizes as (outer, n, inner) with n the size of dim (1 for a 0-d tensor).
cpu::SoftmaxShape split_at(const Tensor& t, int64_t dim) {
  cpu::SoftmaxShape s{1, t->dim() == 0 ? 1 : t->size(dim), 1};
  for (int64_t d = 0; d < dim; ++d) s.outer *= t->size(d);
  for (int64_t d = dim + 1; d < t->dim(); ++d) s.inner *= t->size(d);
  return s;
}

// y = softmax(x) or log_softmax(x) along dim; x and y have the same shape, x is contiguous.
// The family's dispatch point: on a GPU, x - logsumexp(x) (exponentiated for softmax) from the
// reductions and elementwise kernels there; on the CPU, the fused kernels.
template <bool kLog>
void run_softmax(const Tensor& x, const Tensor& y, int64_t dim, const char* op) {
  if (x->numel() == 0) return;
  if (staged_in_float32(y, [&](const Tensor& out, const Tensor& in) { run_softmax<kLog>(in, out, dim, op); }, x)) return;
  if (!x->device().is_cpu()) {
    const Tensor log_y = binary(BinaryOp::Sub, x, logsumexp(x, std::vector<int64_t>{dim}, true));
    return copy_(y, kLog ? log_y : unary(UnaryOp::Exp, log_y));
  }
  const cpu::SoftmaxShape s = split_at(x, dim);
  CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
    if constexpr (kLog) cpu::log_softmax(x->data<scalar_t>(), s, y->data<scalar_t>());
    else cpu::softmax(x->data<scalar_t>(), s, y->data<scalar_t>());
  });
}

// The gradient w.r.t. the input from g and the output y (both shaped like the input).
template <bool kLog>
Tensor softmax_backward(const Tensor& g, const Tensor& y, int64_t dim, const char* op) {
  // create_graph: recorded ops, so that this differentiates again; on a GPU, the same ops.
  if (GradMode::is_enabled() || !y->device().is_cpu()) {
    const std::vector<int64_t> along{dim};
    if constexpr (kLog) return g - unary(UnaryOp::Exp, y) * sum(g, along, true);
    else return y * (g - sum(g * y, along, true));
  }
  if (any_reduced_float({&y})) {
    return to_dtype(softmax_backward<kLog>(float32_standin(g), float32_standin(y), dim, op), y->dtype());
  }
  Tensor gc = contiguous(g), yc = contiguous(y);
  Tensor dx = TensorImpl::empty(y->sizes(), y->dtype(), y->device());
  if (y->numel() == 0) return dx;
  const cpu::SoftmaxShape s = split_at(y, dim);
  CR_DISPATCH_FLOATING(y->dtype(), op, [&] {
    const scalar_t *gd = gc->data<scalar_t>(), *yd = yc->data<scalar_t>();
    if constexpr (kLog) cpu::log_softmax_backward(gd, yd, s, dx->data<scalar_t>());
    else cpu::softmax_backward(gd, yd, s, dx->data<scalar_t>());
  });
  return dx;
}

template <bool kLog>
Tensor softmax_impl(const Tensor& t, int64_t dim, std::optional<DType> dtype, const char* op) {
  dim = wrap_dim(dim, t->dim(), op);
  Tensor x = dtype ? to_dtype(t, *dtype) : t;
  CR_CHECK(is_floating(x->dtype()), DTypeError, op, ": expected a float32 or float64 tensor, got a ", describe(x),
           " (pass dtype=chainrule.float32 to convert)");
  Tensor y = TensorImpl::empty(x->sizes(), x->dtype(), x->device());
  {
    GradModeGuard no_record(false);  // the contiguous copy is an implementation detail
    run_softmax<kLog>(contiguous(x), y, dim, op);
  }
  if (needs_grad({&x})) {
    record(kLog ? "LogSoftmaxBackward0" : "SoftmaxBackward0", {x}, {y},
           [sy = SavedTensor(y, true, "result"), dim, op](const TensorList& g, const Node& n) -> TensorList {
             return {softmax_backward<kLog>(g[0], sy.unpack(n), dim, op)};
           });
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<false>(t, dim, dtype, "softmax");
}

Tensor log_softmax(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  return softmax_impl<true>(t, dim, dtype, "log_softmax");
}

}  // namespace cr
