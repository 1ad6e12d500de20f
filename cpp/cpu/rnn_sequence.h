// The kernels of one direction of a recurrent layer over a whole sequence: the time loop of RNN /
// LSTM / GRU (per step one GEMM h W_hh^T and one fused cell kernel of cpu/rnn_cell.h), its backward
// walking the steps in reverse once, and the weight gradient of W_hh as GEMMs over all steps.
// cpp/ops/rnn_sequence.cpp checks, allocates, records autograd and reduces b_hh's gradient.
#pragma once

#include <cstdint>

namespace cr::cpu {

enum class RecurrenceKind { RnnTanh, RnnRelu, Lstm, Gru };

// Sizes and step order of one sequence. Step i (0-based, in processing order) is time t = at(i).
struct SequenceShape {
  RecurrenceKind kind;
  bool reverse;
  int64_t length, batch, hidden, gates;  // L, N, H, G

  int64_t at(int64_t i) const { return reverse ? length - 1 - i : i; }
  int64_t state() const { return batch * hidden; }          // elements of one (N, H) state
  int64_t gate_row() const { return gates * hidden; }        // G*H
  int64_t step_gates() const { return batch * gate_row(); }  // elements of one (N, G*H) step
  bool relu() const { return kind == RecurrenceKind::RnnRelu; }
};

// What a forward pass writes and its backward reads: output (L, N, H) with output[t] = h_t, cells
// (L, N, H) for LSTM (null otherwise), h_gates (L, N, G*H) = h_prev W_hh^T (+ b_hh) of every step.
template <typename T>
struct SequenceStates {
  T* output;
  T* cells;
  T* h_gates;
};

// Gradient buffers of a backward pass: d_x_gates and d_h_gates (L, N, G*H; the same buffer except
// for GRU), dh and dc (N, H) carried from step to step (in: zero and d_c_n; out: d_h0, d_c0).
template <typename T>
struct SequenceGradients {
  T* d_x_gates;
  T* d_h_gates;
  T* dh;
  T* dc;
};

// x_proj (L, N, G*H) = W_ih x_t + b_ih (+ b_hh but for GRU), h0 (N, H), c0 (N, H) for LSTM or null,
// w_hh (G*H, H), b_hh (G*H,) for GRU or null -> states (output, cells, h_gates).
template <typename T>
void rnn_sequence_forward(const T* x_proj, const T* h0, const T* c0, const T* w_hh, const T* b_hh,
                          const SequenceShape& s, const SequenceStates<T>& states);

// The forward's inputs and states, d_output (L, N, H) or null (zero) -> grads (d_x_gates,
// d_h_gates, dh = d_h0, dc = d_c0).
template <typename T>
void rnn_sequence_backward(const T* x_proj, const T* h0, const T* c0, const T* w_hh, const SequenceStates<T>& states,
                           const T* d_output, const SequenceShape& s, const SequenceGradients<T>& grads);

// d_h_gates (L, N, G*H), h0 (N, H), output (L, N, H) -> dw_hh (G*H, H) = the sum over steps of
// d_h_gates_t^T (G*H, N) @ h_prev_t (N, H).
template <typename T>
void rnn_sequence_weight_grad(const T* d_h_gates, const T* h0, const T* output, const SequenceShape& s, T* dw_hh);

}  // namespace cr::cpu
