// The raw fused kernels behind the recurrent-cell ops (lstm_cell.cpp, gru_cell.cpp,
// simple_rnn_cell.cpp), on contiguous row-major buffers, for the ops themselves and for the
// whole-sequence recurrence (rnn_sequence.cpp). Instantiated for float and double.
// Shapes: rows N, hidden H; x_gates/h_gates (N, G*H) with G = 4 (LSTM), 3 (GRU), 1 (RNN).
#pragma once

#include <cstdint>

namespace cr::rnn_cell {

// h, c (N, H) of one LSTM step from x_gates + h_gates (order i, f, g, o) and c_prev.
template <typename T>
void lstm_forward_kernel(const T* x_gates, const T* h_gates, const T* c_prev, T* h, T* c, int64_t rows,
                         int64_t hidden);
// d_gates (N, 4H: the gradient of x_gates and of h_gates alike) and d_c_prev (N, H) from dh, dc
// (either may be null: zero). d_c_prev may be dc itself (each element is read before it is written).
template <typename T>
void lstm_backward_kernel(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc, T* d_gates,
                          T* d_c_prev, int64_t rows, int64_t hidden);

// h (N, H) of one GRU step (order r, z, n; h_gates includes b_hh).
template <typename T>
void gru_forward_kernel(const T* x_gates, const T* h_gates, const T* h_prev, T* h, int64_t rows, int64_t hidden);
// d_x_gates, d_h_gates (N, 3H) and the direct part d_h_prev = dh * z (N, H) from dh; d_h_prev may
// be dh itself.
template <typename T>
void gru_backward_kernel(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, T* d_x_gates,
                         T* d_h_gates, T* d_h_prev, int64_t rows, int64_t hidden);

// h = tanh or relu of x_proj + h_proj, all (N, H).
template <typename T>
void rnn_forward_kernel(const T* x_proj, const T* h_proj, T* h, int64_t rows, int64_t hidden, bool relu);
// d_pre = dh * act'(pre), read off the output h.
template <typename T>
void rnn_backward_kernel(const T* h, const T* dh, T* d_pre, int64_t rows, int64_t hidden, bool relu);

}  // namespace cr::rnn_cell
