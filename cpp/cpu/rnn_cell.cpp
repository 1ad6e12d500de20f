// The fused recurrent-cell kernels declared in cpu/rnn_cell.h: one loop over (N, H) forward and
// one backward, which recomputes the gate activations from the pre-activations instead of storing
// them, each element by core/rnn_cell_formulas.h (the GPU's kernels run the same). Rows run in
// parallel when a step is large; the hidden units of a row vectorize (float sigmoid and tanh come
// from cpu/vec_math.h).
#include "cpu/rnn_cell.h"

#include <algorithm>

#include "core/rnn_cell_formulas.h"
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

}  // namespace

template <typename T>
void lstm_cell_forward(const T* x_gates, const T* h_gates, const T* c_prev, int64_t rows, int64_t hidden, T* h, T* c) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) lstm_forward_at<T, VecMath>(x_gates, h_gates, c_prev, hidden, n, j, h, c);
  });
}

template <typename T>
void lstm_cell_backward(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc, int64_t rows,
                        int64_t hidden, T* d_gates, T* d_c_prev) {
  for_rows(rows, 4 * hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      lstm_backward_at<T, VecMath>(x_gates, h_gates, c_prev, dh, dc, hidden, n, j, d_gates, d_c_prev);
    }
  });
}

template <typename T>
void gru_cell_forward(const T* x_gates, const T* h_gates, const T* h_prev, int64_t rows, int64_t hidden, T* h) {
  for_rows(rows, 3 * hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) gru_forward_at<T, VecMath>(x_gates, h_gates, h_prev, hidden, n, j, h);
  });
}

template <typename T>
void gru_cell_backward(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, int64_t rows, int64_t hidden,
                       T* d_x_gates, T* d_h_gates, T* d_h_prev) {
  for_rows(rows, 3 * hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t j = 0; j < hidden; ++j) {
      gru_backward_at<T, VecMath>(x_gates, h_gates, h_prev, dh, hidden, n, j, d_x_gates, d_h_gates, d_h_prev);
    }
  });
}

template <typename T>
void rnn_cell_forward(const T* x_proj, const T* h_proj, int64_t rows, int64_t hidden, bool relu, T* h) {
  for_rows(rows, hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t i = n * hidden; i < (n + 1) * hidden; ++i) rnn_forward_at<T, VecMath>(x_proj, h_proj, relu, i, h);
  });
}

template <typename T>
void rnn_cell_backward(const T* h, const T* dh, int64_t rows, int64_t hidden, bool relu, T* d_pre) {
  for_rows(rows, hidden, [&](int64_t n) {
#pragma omp simd
    for (int64_t i = n * hidden; i < (n + 1) * hidden; ++i) rnn_backward_at(h, dh, relu, i, d_pre);
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
