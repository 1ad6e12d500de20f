// Fused LSTM step pointwise math (see rnn_cell.h): one loop over (N, H) for the forward and one for
// the backward, which recomputes the gate activations from the saved inputs instead of storing them.
// Under create_graph the backward is written with recorded ops so that it differentiates again.
#include "autograd/record.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/join.h"
#include "ops/tensor_math.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_kernels.h"
#include "ops/rnn_cell_rows.h"
#include "ops/view.h"

namespace cr {

namespace rnn_cell {

// The four gates of one element in torch's order i, f, g, o, from one row's (4H,) pre-activations
// x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh; j is the hidden unit.
template <typename T>
struct LstmGates {
  T input, forget, cell, output;

  LstmGates(const T* xg, const T* hg, int64_t hidden, int64_t j) {
    input = cpu::vec::sigmoid(xg[j] + hg[j]);
    forget = cpu::vec::sigmoid(xg[hidden + j] + hg[hidden + j]);
    cell = cpu::vec::tanh(xg[2 * hidden + j] + hg[2 * hidden + j]);
    output = cpu::vec::sigmoid(xg[3 * hidden + j] + hg[3 * hidden + j]);
  }
};

// x_gates/h_gates (N, 4H), c_prev/h/c (N, H), all contiguous.
template <typename T>
void lstm_forward_kernel(const T* x_gates, const T* h_gates, const T* c_prev, T* h, T* c, int64_t rows,
                         int64_t hidden) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 4 * hidden, *hg = h_gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const LstmGates<T> g(xg, hg, hidden, j);
      const T c_next = g.forget * c_prev[at + j] + g.input * g.cell;
      c[at + j] = c_next;
      h[at + j] = g.output * cpu::vec::tanh(c_next);
    }
  });
}

// dh, dc may be null (zero); d_gates (N, 4H) is the gradient of both x_gates and h_gates, d_c_prev
// (N, H); everything contiguous.
template <typename T>
void lstm_backward_kernel(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc, T* d_gates,
                          T* d_c_prev, int64_t rows, int64_t hidden) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 4 * hidden, *hg = h_gates + n * 4 * hidden;
    T* dg = d_gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const LstmGates<T> g(xg, hg, hidden, j);
      const T cp = c_prev[at + j];
      const T tanh_c = cpu::vec::tanh(g.forget * cp + g.input * g.cell);
      const T grad_h = dh ? dh[at + j] : T(0);
      const T grad_c = (dc ? dc[at + j] : T(0)) + grad_h * g.output * (T(1) - tanh_c * tanh_c);
      dg[j] = grad_c * g.cell * g.input * (T(1) - g.input);
      dg[hidden + j] = grad_c * cp * g.forget * (T(1) - g.forget);
      dg[2 * hidden + j] = grad_c * g.input * (T(1) - g.cell * g.cell);
      dg[3 * hidden + j] = grad_h * tanh_c * g.output * (T(1) - g.output);
      d_c_prev[at + j] = grad_c * g.forget;
    }
  });
}

#define CR_LSTM_KERNELS(T)                                                                              \
  template void lstm_forward_kernel<T>(const T*, const T*, const T*, T*, T*, int64_t, int64_t);          \
  template void lstm_backward_kernel<T>(const T*, const T*, const T*, const T*, const T*, T*, T*, int64_t, \
                                        int64_t);
CR_LSTM_KERNELS(float)
CR_LSTM_KERNELS(double)
#undef CR_LSTM_KERNELS

}  // namespace rnn_cell

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
  CR_DISPATCH_FLOATING(c_prev->dtype(), "lstm_cell_pointwise", [&] {
    rnn_cell::lstm_backward_kernel<scalar_t>(xc->data<scalar_t>(), hc->data<scalar_t>(), cc->data<scalar_t>(),
                                   dhc ? dhc->data<scalar_t>() : nullptr, dcc ? dcc->data<scalar_t>() : nullptr,
                                   d_gates->data<scalar_t>(), d_c_prev->data<scalar_t>(), rows, hidden);
  });
  return {d_gates, d_c_prev};
}

}  // namespace

std::pair<Tensor, Tensor> lstm_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& c_prev) {
  rnn_cell::check_gates("lstm_cell_pointwise", "x_gates", x_gates, c_prev, 4);
  rnn_cell::check_gates("lstm_cell_pointwise", "h_gates", h_gates, c_prev, 4);
  const int64_t rows = c_prev->size(0), hidden = c_prev->size(1);
  Tensor h = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  Tensor c = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  if (c->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), cc = contiguous(c_prev);
    CR_DISPATCH_FLOATING(c_prev->dtype(), "lstm_cell_pointwise", [&] {
      rnn_cell::lstm_forward_kernel<scalar_t>(xc->data<scalar_t>(), hc->data<scalar_t>(), cc->data<scalar_t>(),
                                    h->data<scalar_t>(), c->data<scalar_t>(), rows, hidden);
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
