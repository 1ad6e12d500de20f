// The whole-sequence recurrence kernels declared in cpu/rnn_sequence.h. Forward: per step h_gates =
// h_prev W_hh^T (+ b_hh) by GEMM, then the fused cell kernel writes h_t (and c_t). Backward walks
// the steps in reverse: the cell kernel's backward, then dh_prev = d_h_gates W_hh by GEMM. The
// weight gradient is two GEMMs over all steps, instead of L small ones.
#include "cpu/rnn_sequence.h"

#include <algorithm>

#include "cpu/gemm.h"
#include "cpu/rnn_cell.h"

namespace cr::cpu {

namespace {

// h_prev / c_prev of step i: the initial state at i == 0, else the previous step's.
template <typename T>
const T* previous(const SequenceShape& s, const T* initial, const T* per_step, int64_t i) {
  return i == 0 ? initial : per_step + s.at(i - 1) * s.state();
}

}  // namespace

template <typename T>
void rnn_sequence_forward(const T* x_proj, const T* h0, const T* c0, const T* w_hh, const T* b_hh,
                          const SequenceShape& s, const SequenceStates<T>& f) {
  const int64_t n = s.batch, h = s.hidden, gh = s.gate_row();
  for (int64_t i = 0; i < s.length; ++i) {
    const int64_t t = s.at(i);
    const T* h_prev = previous(s, h0, f.output, i);
    T* h_gates = f.h_gates + t * s.step_gates();  // (N, G*H) = h_prev @ w_hh^T + b_hh
    if (b_hh != nullptr) {
      for (int64_t r = 0; r < n; ++r) std::copy(b_hh, b_hh + gh, h_gates + r * gh);
    }
    gemm(false, true, n, gh, h, T(1), h_prev, h, w_hh, h, b_hh ? T(1) : T(0), h_gates, gh);
    const T* x_gates = x_proj + t * s.step_gates();
    T* h_t = f.output + t * s.state();
    switch (s.kind) {
      case RecurrenceKind::Lstm:
        lstm_cell_forward(x_gates, h_gates, previous(s, c0, f.cells, i), n, h, h_t, f.cells + t * s.state());
        break;
      case RecurrenceKind::Gru: gru_cell_forward(x_gates, h_gates, h_prev, n, h, h_t); break;
      default: rnn_cell_forward(x_gates, h_gates, n, h, s.relu(), h_t); break;
    }
  }
}

// The cell kernels update dh and dc in place (cpu/rnn_cell.h allows it).
template <typename T>
void rnn_sequence_backward(const T* x_proj, const T* h0, const T* c0, const T* w_hh, const SequenceStates<T>& f,
                           const T* d_output, const SequenceShape& s, const SequenceGradients<T>& b) {
  const int64_t n = s.batch, h = s.hidden, gh = s.gate_row();
  for (int64_t i = s.length - 1; i >= 0; --i) {
    const int64_t t = s.at(i), gates_at = t * s.step_gates();
    if (d_output != nullptr) {
      const T* d_out = d_output + t * s.state();
#pragma omp simd
      for (int64_t k = 0; k < s.state(); ++k) b.dh[k] += d_out[k];
    }
    const T *x_gates = x_proj + gates_at, *h_gates = f.h_gates + gates_at;
    T* d_h_gates = b.d_h_gates + gates_at;
    switch (s.kind) {
      case RecurrenceKind::Lstm:  // dc becomes d_c_prev; dh = d_gates @ w_hh
        lstm_cell_backward(x_gates, h_gates, previous(s, c0, f.cells, i), b.dh, b.dc, n, h, d_h_gates, b.dc);
        gemm(false, false, n, h, gh, T(1), d_h_gates, gh, w_hh, h, T(0), b.dh, h);
        break;
      case RecurrenceKind::Gru:  // dh becomes dh * z, then + d_h_gates @ w_hh
        gru_cell_backward(x_gates, h_gates, previous(s, h0, f.output, i), b.dh, n, h, b.d_x_gates + gates_at,
                          d_h_gates, b.dh);
        gemm(false, false, n, h, gh, T(1), d_h_gates, gh, w_hh, h, T(1), b.dh, h);
        break;
      default:
        rnn_cell_backward(f.output + t * s.state(), b.dh, n, h, s.relu(), d_h_gates);
        gemm(false, false, n, h, gh, T(1), d_h_gates, gh, w_hh, h, T(0), b.dh, h);
        break;
    }
  }
}

template <typename T>
void rnn_sequence_weight_grad(const T* d_h_gates, const T* h0, const T* output, const SequenceShape& s, T* dw_hh) {
  // Step 0 starts from h0; the other L-1 steps' h_prev are the outputs one time step away, which
  // sit contiguously in `output`, so two GEMMs cover all steps without gathering them.
  const int64_t gh = s.gate_row(), first = s.at(0), rest = s.reverse ? 0 : 1, rows = (s.length - 1) * s.batch;
  gemm(true, false, gh, s.hidden, s.batch, T(1), d_h_gates + first * s.step_gates(), gh, h0, s.hidden, T(0), dw_hh,
       s.hidden);
  if (rows > 0) {
    gemm(true, false, gh, s.hidden, rows, T(1), d_h_gates + rest * s.step_gates(), gh, output + (1 - rest) * s.state(),
         s.hidden, T(1), dw_hh, s.hidden);
  }
}

#define CR_RNN_SEQUENCE_INSTANTIATE(T)                                                                               \
  template void rnn_sequence_forward<T>(const T*, const T*, const T*, const T*, const T*, const SequenceShape&,       \
                                        const SequenceStates<T>&);                                                   \
  template void rnn_sequence_backward<T>(const T*, const T*, const T*, const T*, const SequenceStates<T>&, const T*, \
                                         const SequenceShape&, const SequenceGradients<T>&);                         \
  template void rnn_sequence_weight_grad<T>(const T*, const T*, const T*, const SequenceShape&, T*);
CR_RNN_SEQUENCE_INSTANTIATE(float)
CR_RNN_SEQUENCE_INSTANTIATE(double)
#undef CR_RNN_SEQUENCE_INSTANTIATE

}  // namespace cr::cpu
