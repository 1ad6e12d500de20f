// Fused LSTM step pointwise math (see rnn_cell.h): one loop over (N, H) for the forward and one for
// the backward, which recomputes the gate activations from the saved inputs instead of storing them.
// Under create_graph the backward is written with recorded ops so that it differentiates again.
#include "ops/rnn_cell.h"

#include <algorithm>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/join.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace {

// Runs body(n) for each of the N rows of an (N, H) problem, in parallel when it is large.
template <typename Body>
void for_rows(int64_t rows, int64_t hidden, const Body& body) {
  auto range = [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) body(n);
  };
  if (cpu::should_parallelize(rows * hidden * 4)) {
    cpu::parallel_for(0, rows, std::max<int64_t>(1, cpu::kMinChunk / (4 * hidden)), range);
  } else {
    range(0, rows);
  }
}

// gates (N, 4H), c_prev/h/c (N, H), all contiguous.
template <typename T>
void lstm_forward_kernel(const T* gates, const T* c_prev, T* h, T* c, int64_t rows, int64_t hidden) {
  for_rows(rows, hidden, [&](int64_t n) {
    const T* g = gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const T i = cpu::vec::sigmoid(g[j]), f = cpu::vec::sigmoid(g[hidden + j]);
      const T cell = cpu::vec::tanh(g[2 * hidden + j]), o = cpu::vec::sigmoid(g[3 * hidden + j]);
      const T c_next = f * c_prev[at + j] + i * cell;
      c[at + j] = c_next;
      h[at + j] = o * cpu::vec::tanh(c_next);
    }
  });
}

// dh, dc may be null (zero); d_gates (N, 4H), d_c_prev (N, H); everything contiguous.
template <typename T>
void lstm_backward_kernel(const T* gates, const T* c_prev, const T* dh, const T* dc, T* d_gates, T* d_c_prev,
                          int64_t rows, int64_t hidden) {
  for_rows(rows, hidden, [&](int64_t n) {
    const T* g = gates + n * 4 * hidden;
    T* dg = d_gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const T i = cpu::vec::sigmoid(g[j]), f = cpu::vec::sigmoid(g[hidden + j]);
      const T cell = cpu::vec::tanh(g[2 * hidden + j]), o = cpu::vec::sigmoid(g[3 * hidden + j]);
      const T cp = c_prev[at + j];
      const T tanh_c = cpu::vec::tanh(f * cp + i * cell);
      const T grad_h = dh ? dh[at + j] : T(0);
      const T grad_c = (dc ? dc[at + j] : T(0)) + grad_h * o * (T(1) - tanh_c * tanh_c);
      dg[j] = grad_c * cell * i * (T(1) - i);
      dg[hidden + j] = grad_c * cp * f * (T(1) - f);
      dg[2 * hidden + j] = grad_c * i * (T(1) - cell * cell);
      dg[3 * hidden + j] = grad_h * tanh_c * o * (T(1) - o);
      d_c_prev[at + j] = grad_c * f;
    }
  });
}

// The same gradients with recorded ops (create_graph=True), so that they differentiate again.
std::pair<Tensor, Tensor> lstm_backward_recorded(const Tensor& gates, const Tensor& c_prev, const Tensor& dh,
                                                 const Tensor& dc, int64_t hidden) {
  auto gate = [&](int64_t k, UnaryOp op) { return unary(op, narrow(gates, 1, k * hidden, hidden)); };
  const Tensor i = gate(0, UnaryOp::Sigmoid), f = gate(1, UnaryOp::Sigmoid);
  const Tensor cell = gate(2, UnaryOp::Tanh), o = gate(3, UnaryOp::Sigmoid);
  const Tensor tanh_c = unary(UnaryOp::Tanh, f * c_prev + i * cell);
  const Tensor zero = zeros(c_prev->sizes(), c_prev->dtype());
  const Tensor grad_h = dh ? dh : zero;
  const Tensor grad_c = (dc ? dc : zero) + grad_h * o * (1.0 - tanh_c * tanh_c);
  Tensor d_gates = cat({grad_c * cell * i * (1.0 - i), grad_c * c_prev * f * (1.0 - f),
                        grad_c * i * (1.0 - cell * cell), grad_h * tanh_c * o * (1.0 - o)},
                       1);
  return {d_gates, grad_c * f};
}

std::pair<Tensor, Tensor> lstm_backward(const Tensor& gates, const Tensor& c_prev, const Tensor& dh,
                                        const Tensor& dc) {
  const int64_t rows = c_prev->size(0), hidden = c_prev->size(1);
  if (GradMode::is_enabled()) return lstm_backward_recorded(gates, c_prev, dh, dc, hidden);
  const Tensor gc = contiguous(gates), cc = contiguous(c_prev);
  const Tensor dhc = dh ? contiguous(dh) : nullptr, dcc = dc ? contiguous(dc) : nullptr;
  Tensor d_gates = TensorImpl::empty(gates->sizes(), gates->dtype(), gates->device());
  Tensor d_c_prev = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  CR_DISPATCH_FLOATING(gates->dtype(), "lstm_cell_pointwise", [&] {
    lstm_backward_kernel<scalar_t>(gc->data<scalar_t>(), cc->data<scalar_t>(), dhc ? dhc->data<scalar_t>() : nullptr,
                                   dcc ? dcc->data<scalar_t>() : nullptr, d_gates->data<scalar_t>(),
                                   d_c_prev->data<scalar_t>(), rows, hidden);
  });
  return {d_gates, d_c_prev};
}

}  // namespace

std::pair<Tensor, Tensor> lstm_cell_pointwise(const Tensor& gates, const Tensor& c_prev) {
  CR_CHECK(gates->device().is_cpu() && c_prev->device().is_cpu(), RuntimeError,
           "lstm_cell_pointwise: only CPU tensors are supported");
  CR_CHECK(gates->dim() == 2 && c_prev->dim() == 2, ValueError,
           "lstm_cell_pointwise: expected gates (N, 4H) and c_prev (N, H), got shapes ", gates->sizes(), " and ",
           c_prev->sizes());
  CR_CHECK(gates->size(0) == c_prev->size(0) && gates->size(1) == 4 * c_prev->size(1), ValueError,
           "lstm_cell_pointwise: gates ", gates->sizes(), " must be (N, 4H) for c_prev ", c_prev->sizes(),
           " = (N, H)");
  CR_CHECK(gates->dtype() == c_prev->dtype() && is_floating(gates->dtype()), TypeError,
           "lstm_cell_pointwise: expected gates and c_prev of one floating dtype, got ", describe(gates), " and ",
           describe(c_prev));
  const int64_t rows = c_prev->size(0), hidden = c_prev->size(1);
  Tensor h = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  Tensor c = TensorImpl::empty(c_prev->sizes(), c_prev->dtype(), c_prev->device());
  {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor gc = contiguous(gates), cc = contiguous(c_prev);
    if (c->numel() > 0) {
      CR_DISPATCH_FLOATING(gates->dtype(), "lstm_cell_pointwise", [&] {
        lstm_forward_kernel<scalar_t>(gc->data<scalar_t>(), cc->data<scalar_t>(), h->data<scalar_t>(),
                                      c->data<scalar_t>(), rows, hidden);
      });
    }
  }
  if (needs_grad({&gates, &c_prev})) {
    record("LstmCellPointwiseBackward0", {gates, c_prev}, {h, c},
           [sg = SavedTensor(gates, false), sc = SavedTensor(c_prev, false)](const TensorList& g,
                                                                              const Node& node) -> TensorList {
             auto [d_gates, d_c_prev] = lstm_backward(sg.unpack(node), sc.unpack(node), g[0], g[1]);
             return {node.needs_input_grad(0) ? d_gates : nullptr, node.needs_input_grad(1) ? d_c_prev : nullptr};
           });
  }
  return {h, c};
}

}  // namespace cr
