// lstm_cell_pointwise (see rnn_cell.h): checks, then the fused kernels of cpu/rnn_cell.h forward and
// backward. Under create_graph the backward is written with recorded ops so that it differentiates again.
#include "autograd/record.h"
#include "cpu/rnn_cell.h"
#include "cuda/rnn_cell.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/float32_staging.h"
#include "ops/join.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_checks.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// The same gradients with recorded ops (create_graph=True), so that they differentiate again.
std::pair<Tensor, Tensor> lstm_backward_recorded(const Tensor& gates, const Tensor& c_prev, const Tensor& dh,
                                                 const Tensor& dc) {
  const int64_t hidden = c_prev->size(1);
  auto gate = [&](int64_t k, UnaryOp op) { return unary(op, narrow(gates, 1, k * hidden, hidden)); };
  const Tensor i = gate(0, UnaryOp::Sigmoid), f = gate(1, UnaryOp::Sigmoid);
  const Tensor cell = gate(2, UnaryOp::Tanh), o = gate(3, UnaryOp::Sigmoid);
  const Tensor tanh_c = unary(UnaryOp::Tanh, f * c_prev + i * cell);
  const Tensor zero = zeros(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  const Tensor grad_h = dh ? dh : zero;
  const Tensor grad_c = (dc ? dc : zero) + grad_h * o * (1.0 - tanh_c * tanh_c);
  Tensor d_gates = cat({grad_c * cell * i * (1.0 - i), grad_c * c_prev * f * (1.0 - f),
                        grad_c * i * (1.0 - cell * cell), grad_h * tanh_c * o * (1.0 - o)},
                       1);
  return {d_gates, grad_c * f};
}

// (d_gates, d_c_prev): d_gates is the gradient of x_gates and of h_gates alike.
std::pair<Tensor, Tensor> lstm_backward(const Tensor& x_gates, const Tensor& h_gates, const Tensor& c_prev,
                                        const Tensor& dh, const Tensor& dc) {
  if (GradMode::is_enabled()) return lstm_backward_recorded(x_gates + h_gates, c_prev, dh, dc);
  const int64_t rows = c_prev->size(0), hidden = c_prev->size(1);
  const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), cc = contiguous(c_prev);
  const Tensor dhc = dh ? contiguous(dh) : nullptr, dcc = dc ? contiguous(dc) : nullptr;
  Tensor d_gates = TensorImpl::empty(x_gates->sizes(), x_gates->dtype(), x_gates->device());
  Tensor d_c_prev = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  if (!c_prev->device().is_cpu()) {  // the family's dispatch point (here and in the forward)
    cuda::lstm_cell_backward(c_prev->dtype(), xc->device_data(), hc->device_data(), cc->device_data(),
                             device_data_or_null(dhc), device_data_or_null(dcc), rows, hidden, d_gates->device_data(),
                             d_c_prev->device_data());
  } else CR_DISPATCH_FLOATING(c_prev->dtype(), "lstm_cell_pointwise", [&] {
    cpu::lstm_cell_backward(xc->data<scalar_t>(), hc->data<scalar_t>(), cc->data<scalar_t>(),
                            dhc ? dhc->data<scalar_t>() : nullptr, dcc ? dcc->data<scalar_t>() : nullptr, rows, hidden,
                            d_gates->data<scalar_t>(), d_c_prev->data<scalar_t>());
  });
  return {d_gates, d_c_prev};
}

}  // namespace

std::pair<Tensor, Tensor> lstm_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& c_prev) {
  rnn_cell::check_gates("lstm_cell_pointwise", "x_gates", x_gates, c_prev, 4);
  rnn_cell::check_gates("lstm_cell_pointwise", "h_gates", h_gates, c_prev, 4);
  if (any_reduced_float({&c_prev})) {  // 16-bit floats: the cell in float32, rounded once
    auto [h32, c32] = lstm_cell_pointwise(widened(x_gates), widened(h_gates), widened(c_prev));
    return {to_dtype(h32, c_prev->dtype()), to_dtype(c32, c_prev->dtype())};
  }
  const int64_t rows = c_prev->size(0), hidden = c_prev->size(1);
  Tensor h = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  Tensor c = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  if (c->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), cc = contiguous(c_prev);
    if (!c->device().is_cpu()) {
      cuda::lstm_cell_forward(c->dtype(), xc->device_data(), hc->device_data(), cc->device_data(), rows, hidden,
                              h->device_data(), c->device_data());
    } else CR_DISPATCH_FLOATING(c_prev->dtype(), "lstm_cell_pointwise", [&] {
      cpu::lstm_cell_forward(xc->data<scalar_t>(), hc->data<scalar_t>(), cc->data<scalar_t>(), rows, hidden,
                             h->data<scalar_t>(), c->data<scalar_t>());
    });
  }
  if (needs_grad({&x_gates, &h_gates, &c_prev})) {
    record("LstmCellPointwiseBackward0", {x_gates, h_gates, c_prev}, {h, c},
           [sx = SavedTensor(x_gates, false), sh = SavedTensor(h_gates, false), sc = SavedTensor(c_prev, false)](
               const TensorList& g, const Node& node) -> TensorList {
             auto [d_gates, d_c_prev] = lstm_backward(sx.unpack(node), sh.unpack(node), sc.unpack(node), g[0], g[1]);
             return {node.needs_input_grad(0) ? d_gates : nullptr, node.needs_input_grad(1) ? d_gates : nullptr,
                     node.needs_input_grad(2) ? d_c_prev : nullptr};
           });
  }
  return {h, c};
}

}  // namespace cr
