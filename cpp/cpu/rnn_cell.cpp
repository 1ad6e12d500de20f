// The fused recurrent-cell kernels declared in cpu/rnn_cell.h: one loop over (N, H) forward and
// one backward, which recomputes the gate activations from the pre-activations instead of storing
// them. Rows run in parallel when a step is large; the hidden units of a row vectorize (float
// sigmoid and tanh come from cpu/vec_math.h).
#include "cpu/rnn_cell.h"

#include <algorithm>

#include "cpu/parallel.h"
#include "cpu/vec_math.h"

namespace cr::cpu {

namespace {

// Runs body(n) for each of the `rows` rows of an (N, H) problem whose rows touch about
// `work_per_row` elements, in parallel when the step is large.
template <typename Body>
void for_rows(int64_t rows, int64_t work_per_row, const Body& body) {
  auto range = [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n) body(n);
  };
  if (should_parallelize(rows * work_per_row)) {
    parallel_for(0, rows, std::max<int64_t>(1, kMinChunk / work_per_row), range);
  } else {
    range(0, rows);
  }
}

// The four gates of one element in torch's order i, f, g, o, from one row's (4H,) pre-activations
// x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh; j is the hidden unit.
template <typename T>
struct LstmGates {
  T input, forget, cell, output;

  LstmGates(const T* xg, const T* hg, int64_t hidden, int64_t j) {
    input = vec::sigmoid(xg[j] + hg[j]);
    forget = vec::sigmoid(xg[hidden + j] + hg[hidden + j]);
    cell = vec::tanh(xg[2 * hidden + j] + hg[2 * hidden + j]);
    output = vec::sigmoid(xg[3 * hidden + j] + hg[3 * hidden + j]);
  }
};

// The three gates of one element: r, z and the candidate n (hn = W_hn h + b_hn is kept for backward).
template <typename T>
struct GruGates {
  T reset, update, candidate, hn;

  // xg, hg point at one row's (3H,) pre-activations; j is the hidden unit.
  GruGates(const T* xg, const T* hg, int64_t hidden, int64_t j) {
    reset = vec::sigmoid(xg[j] + hg[j]);
    update = vec::sigmoid(xg[hidden + j] + hg[hidden + j]);
    hn = hg[2 * hidden + j];
    candidate = vec::tanh(xg[2 * hidden + j] + reset * hn);
  }
};

}  // namespace

template <typename T>
void lstm_cell_forward(const T* x_gates, const T* h_gates, const T* c_prev, int64_t rows, int64_t hidden, T* h, T* c) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 4 * hidden, *hg = h_gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const LstmGates<T> g(xg, hg, hidden, j);
      const T c_next = g.forget * c_prev[at + j] + g.input * g.cell;
      c[at + j] = c_next;
      h[at + j] = g.output * vec::tanh(c_next);
    }
  });
}

template <typename T>
void lstm_cell_backward(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc, int64_t rows,
                        int64_t hidden, T* d_gates, T* d_c_prev) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
    const T *xg = x_gates + n * 4 * hidden, *hg = h_gates + n * 4 * hidden;
    T* dg = d_gates + n * 4 * hidden;
    const int64_t at = n * hidden;
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      const LstmGates<T> g(xg, hg, hidden, j);
      const T cp = c_prev[at + j];
      const T tanh_c = vec::tanh(g.forget * cp + g.input * g.cell);
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

template <typename T>
void gru_cell_forward(const T* x_gates, const T* h_gates, const T* h_prev, int64_t rows, int64_t hidden, T* h) {
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

template <typename T>
void gru_cell_backward(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, int64_t rows, int64_t hidden,
                       T* d_x_gates, T* d_h_gates, T* d_h_prev) {
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

template <typename T>
void rnn_cell_forward(const T* x_proj, const T* h_proj, int64_t rows, int64_t hidden, bool relu, T* h) {
  for_rows(rows, hidden, [&](int64_t n) {
    const int64_t at = n * hidden;
    if (relu) {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) h[j] = std::max(x_proj[j] + h_proj[j], T(0));
    } else {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) h[j] = vec::tanh(x_proj[j] + h_proj[j]);
    }
  });
}

template <typename T>
void rnn_cell_backward(const T* h, const T* dh, int64_t rows, int64_t hidden, bool relu, T* d_pre) {
  for_rows(rows, hidden, [&](int64_t n) {
    const int64_t at = n * hidden;
    if (relu) {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) d_pre[j] = h[j] > T(0) ? dh[j] : T(0);
    } else {
#pragma omp simd
      for (int64_t j = at; j < at + hidden; ++j) d_pre[j] = dh[j] * (T(1) - h[j] * h[j]);
    }
  });
}

#define CR_RNN_CELL_INSTANTIATE(T)                                                                                 \
  template void lstm_cell_forward<T>(const T*, const T*, const T*, int64_t, int64_t, T*, T*);                      \
  template void lstm_cell_backward<T>(const T*, const T*, const T*, const T*, const T*, int64_t, int64_t, T*, T*); \
  template void gru_cell_forward<T>(const T*, const T*, const T*, int64_t, int64_t, T*);                           \
  template void gru_cell_backward<T>(const T*, const T*, const T*, const T*, int64_t, int64_t, T*, T*, T*);        \
  template void rnn_cell_forward<T>(const T*, const T*, int64_t, int64_t, bool, T*);                               \
  template void rnn_cell_backward<T>(const T*, const T*, int64_t, int64_t, bool, T*);
CR_RNN_CELL_INSTANTIATE(float)
CR_RNN_CELL_INSTANTIATE(double)
#undef CR_RNN_CELL_INSTANTIATE

}  // namespace cr::cpu
