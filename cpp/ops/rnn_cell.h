// The pointwise part of one recurrent time step, fused: gate nonlinearities and the state update in
// one pass (forward) and one pass (backward), for nn.RNN / nn.LSTM / nn.GRU and their cells. The
// GEMMs (x W_ih^T and h W_hh^T) stay outside. Each op is differentiable twice: its backward runs
// a fused kernel, or recorded ops under create_graph.
#pragma once

#include <utility>

#include "core/tensor.h"

namespace cr {

// x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh, both (N, 4H) in torch's order i, f, g, o,
// sum to the gate pre-activations; c_prev is (N, H). Returns (h, c):
// c = sigmoid(f) * c_prev + sigmoid(i) * tanh(g), h = sigmoid(o) * tanh(c), both (N, H).
std::pair<Tensor, Tensor> lstm_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& c_prev);

// x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh, both (N, 3H) in torch's order r, z, n;
// h_prev (N, H). Returns h (N, H): r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z),
// n = tanh(x_n + r * h_n), h = (1 - z) * n + z * h_prev.
Tensor gru_cell_pointwise(const Tensor& x_gates, const Tensor& h_gates, const Tensor& h_prev);

// h = act(x_proj + h_proj) for an Elman RNN step, act = relu when `relu` else tanh; x_proj and
// h_proj are (N, H).
Tensor rnn_cell_pointwise(const Tensor& x_proj, const Tensor& h_proj, bool relu);

}  // namespace cr
