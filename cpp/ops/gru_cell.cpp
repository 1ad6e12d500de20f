// Fused GRU step pointwise math (see rnn_cell.h): one loop over (N, H) for the forward and one for
// the backward, which recomputes the gates from the saved pre-activations instead of storing them.
// Under create_graph the backward is written with recorded ops so that it differentiates again.
#include "autograd/record.h"
#include "cpu/vec_math.h"
#include "ops/copy.h"
#include "ops/join.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_cell_kernels.h"
#include "ops/rnn_cell_rows.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {

namespace rnn_cell {

// The three gates of one element: r, z and the candidate n (hn = W_hn h + b_hn is kept for backward).
template <typename T>
struct GruGates {
  T reset, update, candidate, hn;

  // xg, hg point at one row's (3H,) pre-activations; j is the hidden unit.
  GruGates(const T* xg, const T* hg, int64_t hidden, int64_t j) {
    reset = cpu::vec::sigmoid(xg[j] + hg[j]);
    update = cpu::vec::sigmoid(xg[hidden + j] + hg[hidden + j]);
    hn = hg[2 * hidden + j];
    candidate = cpu::vec::tanh(xg[2 * hidden + j] + reset * hn);
  }
};

// x_gates/h_gates (N, 3H), h_prev/h (N, H), all contiguous.
template <typename T>
void gru_forward_kernel(const T* x_gates, const T* h_gates, const T* h_prev, T* h, int64_t rows, int64_t hidden) {
  for_rows(rows, 3 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 3 * hidden, *hg = h_gates + n * 3 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const GruGates<T> g(xg, hg, hidden, j);
      h[at + j] = g.candidate + g.update * (h_prev[at + j] - g.candidate);
    }
  });
}

// dh (N, H) -> d_x_gates, d_h_gates (N, 3H) and d_h_prev (N, H); everything contiguous.
template <typename T>
void gru_backward_kernel(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, T* d_x_gates, T* d_h_gates,
                         T* d_h_prev, int64_t rows, int64_t hidden) {
  for_rows(rows, 3 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 3 * hidden, *hg = h_gates + n * 3 * hidden;
    T *dxg = d_x_gates + n * 3 * hidden, *dhg = d_h_gates + n * 3 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const GruGates<T> g(xg, hg, hidden, j);
      const T grad = dh[at + j];
      const T d_candidate = grad * (T(1) - g.update) * (T(1) - g.candidate * g.candidate);
      const T d_update = grad * (h_prev[at + j] - g.candidate) * g.update * (T(1) - g.update);
      const T d_reset = d_candidate * g.hn * g.reset * (T(1) - g.reset);
      dxg[j] = dhg[j] = d_reset;
      dxg[hidden + j] = dhg[hidden + j] = d_update;
      dxg[2 * hidden + j] = d_candidate;
      dhg[2 * hidden + j] = d_candidate * g.reset;
      d_h_prev[at + j] = grad * g.update;
    }
  });
}

#define CR_GRU_KERNELS(T)                                                                      \
  template void gru_forward_kernel<T>(const T*, const T*, const T*, T*, int64_t, int64_t);      \
  template void gru_backward_kernel<T>(const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t);
CR_GRU_KERNELS(float)
CR_GRU_KERNELS(double)
#undef CR_GRU_KERNELS

}  // namespace rnn_cell

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
  CR_DISPATCH_FLOATING(h_prev->dtype(), "gru_cell_pointwise", [&] {
    rnn_cell::gru_backward_kernel<scalar_t>(xc->data<scalar_t>(), hc->data<scalar_t>(), pc->data<scalar_t>(),
                                  dc->data<scalar_t>(), grads.x_gates->data<scalar_t>(),
                                  grads.h_gates->data<scalar_t>(), grads.h_prev->data<scalar_t>(), rows, hidden);
  });
  return grads;
}

}  // namespace

Tensor gru_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& h_prev) {
  rnn_cell::check_gates("gru_cell_pointwise", "x_gates", x_gates, h_prev, 3);
  rnn_cell::check_gates("gru_cell_pointwise", "h_gates", h_gates, h_prev, 3);
  const int64_t rows = h_prev->size(0), hidden = h_prev->size(1);
  Tensor h = TensorImpl::empty(h_prev->sizes(), h_prev->dtype(), h_prev->device());
  if (h->numel() > 0) {
    GradModeGuard no_record(false);  // the contiguous copies are an implementation detail
    const Tensor xc = contiguous(x_gates), hc = contiguous(h_gates), pc = contiguous(h_prev);
    CR_DISPATCH_FLOATING(h_prev->dtype(), "gru_cell_pointwise", [&] {
      rnn_cell::gru_forward_kernel<scalar_t>(xc->data<scalar_t>(), hc->data<scalar_t>(), pc->data<scalar_t>(),
                                   h->data<scalar_t>(), rows, hidden);
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
