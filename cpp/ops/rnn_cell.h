// The pointwise part of one LSTM time step, fused: gate nonlinearities and the cell update in one
// pass (forward) and one pass (backward), for nn.LSTM / nn.LSTMCell. The GEMMs stay outside.
#pragma once

#include <utility>

#include "core/tensor.h"

namespace cr {

// gates (N, 4H) are the pre-activations W_ih x + b_ih + W_hh h + b_hh in torch's order i, f, g, o;
// c_prev is (N, H). Returns (h, c): c = sigmoid(f) * c_prev + sigmoid(i) * tanh(g),
// h = sigmoid(o) * tanh(c), both (N, H). Differentiable (twice, through recorded ops under create_graph).
std::pair<Tensor, Tensor> lstm_cell_pointwise(const Tensor& gates, const Tensor& c_prev);

}  // namespace cr
