// gru_cell_pointwise (see rnn_cell.h): checks, then the fused kernels of cpu/rnn_cell.h forward and
// backward. Under create_graph the backward is written with recorded ops so that it differentiates again.
#include "autograd/record.h"
#include "cpu/rnn_cell.h"
#include "cuda/rnn_cell.h"
#include "ops/copy.h"
#include "ops/float32_staging.h"
#include "ops/join.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_checks.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

struct GruGrads {
  Tensor x_gates, h_gates, h_prev;
};

// The same gradients with recorded ops (create_graph=True), so that they differentiate again.
GruGrads gru_backward_recorded(const Tensor& x_gates, const Tensor& h_gates, const Tensor& h_prev, const Tensor& dh) {
  const int64_t hidden = h_prev->size(1);
  auto part = [&](const Tensor& t, int64_t k) { return narrow(t, 1, k * hidden, hidden); };
  const Tensor reset = unary(UnaryOp::Sigmoid, part(x_gates, 0) + part(h_gates, 0));
  const Tensor update = unary(UnaryOp::Sigmoid, part(x_gates, 1) + part(h_gates, 1));
  const Tensor hn = part(h_gates, 2);
  const Tensor candidate = unary(UnaryOp::Tanh, part(x_gates, 2) + reset * hn);
  const Tensor d_candidate = dh * (1.0 - update) * (1.0 - candidate * candidate);
  const Tensor d_update = dh * (h_prev - candidate) * update * (1.0 - update);
  const Tensor d_reset = d_candidate * hn * reset * (1.0 - reset);
  return {cat({d_reset, d_update, d_candidate}, 1), cat({d_reset, d_update, d_candidate * reset}, 1), dh * update};
}

GruGrads gru_backward(const Tensor& x_gates, const Tensor& h_gates, const Tensor& h_prev, const Tensor& dh) {
  if (GradMode::is_enabled()) return gru_backward_recorded(x_gates, h_gates, h_prev, dh);
  const int64_t rows = h_prev->size(0), hidden = h_prev->size(1);
  const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), pc = contiguous(h_prev), dc = contiguous(dh);
  GruGrads grads{TensorImpl::empty(x_gates->sizes(), x_gates->dtype(), x_gates->device()),
                 TensorImpl::empty(h_gates->sizes(), h_gates->dtype(), h_gates->device()),
                 TensorImpl::empty(h_prev->sizes(), h_prev->dtype(), h_prev->device())};
  if (!h_prev->device().is_cpu()) {  // the family's dispatch point (here and in the forward)
    cuda::gru_cell_backward(h_prev->dtype(), xc->device_data(), hc->device_data(), pc->device_data(), dc->device_data(),
                            rows, hidden, grads.x_gates->device_data(), grads.h_gates->device_data(),
                            grads.h_prev->device_data());
  } else CR_DISPATCH_FLOATING(h_prev->dtype(), "gru_cell_pointwise", [&] {
    cpu::gru_cell_backward(xc->data<scalar_t>(), hc->data<scalar_t>(), pc->data<scalar_t>(), dc->data<scalar_t>(), rows,
                           hidden, grads.x_gates->data<scalar_t>(), grads.h_gates->data<scalar_t>(),
                           grads.h_prev->data<scalar_t>());
  });
  return grads;
}

}  // namespace

Tensor gru_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& h_prev) {
  rnn_cell::check_gates("gru_cell_pointwise", "x_gates", x_gates, h_prev, 3);
  rnn_cell::check_gates("gru_cell_pointwise", "h_gates", h_gates, h_prev, 3);
  if (any_reduced_float({&h_prev})) {  // 16-bit floats: the cell in float32, rounded once
    return to_dtype(gru_cell_pointwise(widened(x_gates), widened(h_gates), widened(h_prev)), h_prev->dtype());
  }
  const int64_t rows = h_prev->size(0), hidden = h_prev->size(1);
  Tensor h = TensorImpl::empty(h_prev->sizes(), h_prev->dtype(), h_prev->device());
  if (h->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), pc = contiguous(h_prev);
    if (!h->device().is_cpu()) {
      cuda::gru_cell_forward(h->dtype(), xc->device_data(), hc->device_data(), pc->device_data(), rows, hidden,
                             h->device_data());
    } else CR_DISPATCH_FLOATING(h_prev->dtype(), "gru_cell_pointwise", [&] {
      cpu::gru_cell_forward(xc->data<scalar_t>(), hc->data<scalar_t>(), pc->data<scalar_t>(), rows, hidden,
                            h->data<scalar_t>());
    });
  }
  if (needs_grad({&x_gates, &h_gates, &h_prev})) {
    record("GruCellPointwiseBackward0", {x_gates, h_gates, h_prev}, {h},
           [sx = SavedTensor(x_gates, false), sh = SavedTensor(h_gates, false), sp = SavedTensor(h_prev, false)](
               const TensorList& g, const Node& node) -> TensorList {
             GruGrads grads = gru_backward(sx.unpack(node), sh.unpack(node), sp.unpack(node), g[0]);
             return {node.needs_input_grad(0) ? grads.x_gates : nullptr,
                     node.needs_input_grad(1) ? grads.h_gates : nullptr,
                     node.needs_input_grad(2) ? grads.h_prev : nullptr};
           });
  }
  return h;
}

}  // namespace cr
