// The fused pointwise kernels of one recurrent time step, forward and backward, for LSTM, GRU and
// Elman RNN cells: gate nonlinearities and the state update in one pass over contiguous row-major
// buffers. The GEMMs (x W_ih^T and h W_hh^T) stay outside. The cell ops (cpp/ops/lstm_cell.cpp,
// gru_cell.cpp, simple_rnn_cell.cpp) check, allocate and record autograd; the whole-sequence
// recurrence (cpu/rnn_sequence.cpp) calls these step by step.
// Shapes: rows N, hidden H; x_gates, h_gates (N, G*H) with G = 4 (LSTM), 3 (GRU), 1 (RNN).
#pragma once

#include <cstdint>

namespace cr::cpu {

// x_gates, h_gates (N, 4H) (torch's order i, f, g, o), c_prev (N, H) -> h, c (N, H):
// c = sigmoid(f) * c_prev + sigmoid(i) * tanh(g), h = sigmoid(o) * tanh(c).
template <typename T>
void lstm_cell_forward(const T* x_gates, const T* h_gates, const T* c_prev, int64_t rows, int64_t hidden, T* h, T* c);
// x_gates, h_gates (N, 4H), c_prev, dh, dc (N, H) (dh, dc may be null: zero) -> d_gates (N, 4H: the
// gradient of x_gates and of h_gates alike), d_c_prev (N, H). The gates are recomputed, not saved.
// d_c_prev may be dc itself (each element is read before it is written).
template <typename T>
void lstm_cell_backward(const T* x_gates, const T* h_gates, const T* c_prev, const T* dh, const T* dc, int64_t rows,
                        int64_t hidden, T* d_gates, T* d_c_prev);

// x_gates, h_gates (N, 3H) (order r, z, n; h_gates includes b_hh), h_prev (N, H) -> h (N, H):
// r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z), n = tanh(x_n + r * h_n), h = (1 - z) * n + z * h_prev.
template <typename T>
void gru_cell_forward(const T* x_gates, const T* h_gates, const T* h_prev, int64_t rows, int64_t hidden, T* h);
// x_gates, h_gates (N, 3H), h_prev, dh (N, H) -> d_x_gates, d_h_gates (N, 3H) and the direct part
// d_h_prev = dh * z (N, H); d_h_prev may be dh itself.
template <typename T>
void gru_cell_backward(const T* x_gates, const T* h_gates, const T* h_prev, const T* dh, int64_t rows, int64_t hidden,
                       T* d_x_gates, T* d_h_gates, T* d_h_prev);

// x_proj, h_proj (N, H) -> h (N, H) = tanh, or relu when `relu`, of x_proj + h_proj.
template <typename T>
void rnn_cell_forward(const T* x_proj, const T* h_proj, int64_t rows, int64_t hidden, bool relu, T* h);
// h, dh (N, H) -> d_pre (N, H) = dh * act'(pre), read off the output h (1 - h^2, or h > 0).
template <typename T>
void rnn_cell_backward(const T* h, const T* dh, int64_t rows, int64_t hidden, bool relu, T* d_pre);

}  // namespace cr::cpu
