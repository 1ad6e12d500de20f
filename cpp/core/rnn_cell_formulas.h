// One element (row n, hidden unit j) of each fused recurrent-cell kernel of cpu/rnn_cell.h, as both
// devices compute it: the CPU's loops call these over j (they vectorize), the GPU runs one thread
// per element. M is the math policy (cpu::VecMath, cuda::DeviceMath). Shapes: x_gates, h_gates
// (N, G*H) pre-activations (G = 4 for LSTM in torch's order i, f, g, o; 3 for GRU: r, z, n), states (N, H).
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

// The four LSTM gates of one element from one row's (4H,) pre-activations xg, hg.
template <typename T, typename M>
struct LstmGates {
  T input, forget, cell, output;
  CR_FORMULA LstmGates(const T* xg, const T* hg, int64_t hidden, int64_t j)
      : input(M::sigmoid(xg[j] + hg[j])),
        forget(M::sigmoid(xg[hidden + j] + hg[hidden + j])),
        cell(M::tanh(xg[2 * hidden + j] + hg[2 * hidden + j])),
        output(M::sigmoid(xg[3 * hidden + j] + hg[3 * hidden + j])) {}
};

// The three GRU gates of one element: r, z and the candidate n (hn = W_hn h + b_hn kept for backward).
template <typename T, typename M>
struct GruGates {
  T reset, update, hn, candidate;
  CR_FORMULA GruGates(const T* xg, const T* hg, int64_t hidden, int64_t j)
      : reset(M::sigmoid(xg[j] + hg[j])),
        update(M::sigmoid(xg[hidden + j] + hg[hidden + j])),
        hn(hg[2 * hidden + j]),
        candidate(M::tanh(xg[2 * hidden + j] + reset * hn)) {}
};

// c = sigmoid(f) * c_prev + sigmoid(i) * tanh(g), h = sigmoid(o) * tanh(c).
template <typename T, typename M>
CR_FORMULA void lstm_forward_at(const T* x_gates, const T* h_gates, const T* c_prev, int64_t hidden, int64_t n,
                                int64_t j, T* h, T* c) {
  const LstmGates<T, M> g(x_gates + n * 4 * hidden, h_gates + n * 4 * hidden, hidden, j);
  const int64_t at = n * hidden + j;
  const T c_next = g.forget * c_prev[at] + g.input * g.cell;
  c[at] = c_next;
  h[at] = g.output * M::tanh(c_next);
}

// d_gates (N, 4H) and d_c_prev (which may be dc itself: dc is read first) of one element; dh, dc
// may be null (zero).
template <typename T, typename M>
CR_FORMULA void lstm_backward_at(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc,
                                 int64_t hidden, int64_t n, int64_t j, T* d_gates, T* d_c_prev) {
  const LstmGates<T, M> g(x_gates + n * 4 * hidden, h_gates + n * 4 * hidden, hidden, j);
  T* dg = d_gates + n * 4 * hidden;
  const int64_t at = n * hidden + j;
  const T cp = c_prev[at];
  const T tanh_c = M::tanh(g.forget * cp + g.input * g.cell);
  const T grad_h = dh ? dh[at] : T(0);
  const T grad_c = (dc ? dc[at] : T(0)) + grad_h * g.output * (T(1) - tanh_c * tanh_c);
  dg[j] = grad_c * g.cell * g.input * (T(1) - g.input);
  dg[hidden + j] = grad_c * cp * g.forget * (T(1) - g.forget);
  dg[2 * hidden + j] = grad_c * g.input * (T(1) - g.cell * g.cell);
  dg[3 * hidden + j] = grad_h * tanh_c * g.output * (T(1) - g.output);
  d_c_prev[at] = grad_c * g.forget;
}

// h = (1 - z) * n + z * h_prev.
template <typename T, typename M>
CR_FORMULA void gru_forward_at(const T* x_gates, const T* h_gates, const T* h_prev, int64_t hidden, int64_t n,
                               int64_t j, T* h) {
  const GruGates<T, M> g(x_gates + n * 3 * hidden, h_gates + n * 3 * hidden, hidden, j);
  const int64_t at = n * hidden + j;
  h[at] = g.candidate + g.update * (h_prev[at] - g.candidate);
}

// d_x_gates, d_h_gates (N, 3H) and the direct part d_h_prev = dh * z (which may be dh itself).
template <typename T, typename M>
CR_FORMULA void gru_backward_at(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, int64_t hidden,
                                int64_t n, int64_t j, T* d_x_gates, T* d_h_gates, T* d_h_prev) {
  const GruGates<T, M> g(x_gates + n * 3 * hidden, h_gates + n * 3 * hidden, hidden, j);
  T *dxg = d_x_gates + n * 3 * hidden, *dhg = d_h_gates + n * 3 * hidden;
  const int64_t at = n * hidden + j;
  const T grad = dh[at];
  const T d_candidate = grad * (T(1) - g.update) * (T(1) - g.candidate * g.candidate);
  const T d_update = grad * (h_prev[at] - g.candidate) * g.update * (T(1) - g.update);
  const T d_reset = d_candidate * g.hn * g.reset * (T(1) - g.reset);
  dxg[j] = dhg[j] = d_reset;
  dxg[hidden + j] = dhg[hidden + j] = d_update;
  dxg[2 * hidden + j] = d_candidate;
  dhg[2 * hidden + j] = d_candidate * g.reset;
  d_h_prev[at] = grad * g.update;
}

// h = tanh, or relu when `relu`, of x_proj + h_proj at flat element i.
template <typename T, typename M>
CR_FORMULA void rnn_forward_at(const T* x_proj, const T* h_proj, bool relu, int64_t i, T* h) {
  const T pre = x_proj[i] + h_proj[i];
  h[i] = relu ? (pre < T(0) ? T(0) : pre) : M::tanh(pre);
}

// d_pre = dh * act'(pre), read off the output h (1 - h^2, or h > 0), at flat element i.
template <typename T>
CR_FORMULA void rnn_backward_at(const T* h, const T* dh, bool relu, int64_t i, T* d_pre) {
  d_pre[i] = relu ? (h[i] > T(0) ? dh[i] : T(0)) : dh[i] * (T(1) - h[i] * h[i]);
}

}  // namespace cr
