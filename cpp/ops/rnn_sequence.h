// A whole recurrent layer direction as one op: the time loop of RNN / LSTM / GRU runs in C++ (one
// GEMM h W_hh^T and one fused gate kernel per step), and its backward walks the sequence in
// reverse once, leaving the weight gradient to a single GEMM over all steps. Used by nn.RNN,
// nn.LSTM and nn.GRU for unpacked input; the cells and packed sequences run step by step.
#pragma once

#include <string>
#include <vector>

#include "core/tensor.h"
#include "cpu/rnn_sequence.h"

namespace cr {

// The cell a sequence runs, as the kernels of cpu/rnn_sequence.h name it.
using cpu::RecurrenceKind;

// x_proj (L, N, G*H) = W_ih x_t + b_ih for every step (LSTM and RNN: b_hh added too), h0 (N, H),
// c0 (N, H) for LSTM (null otherwise), w_hh (G*H, H), b_hh (G*H,) for GRU or null. `reverse` runs
// the steps from t = L-1 down to 0. Returns {output (L, N, H) with output[t] = h_t} plus c_n (N, H)
// for LSTM; h_n is output[L-1] (output[0] when reversed). Differentiable, twice (under
// create_graph the backward replays the steps as recorded ops).
std::vector<Tensor> rnn_sequence(RecurrenceKind kind, const Tensor& x_proj, const Tensor& h0, const Tensor& c0,
                                 const Tensor& w_hh, const Tensor& b_hh, bool reverse);

// "RNN_TANH", "RNN_RELU", "LSTM" or "GRU" (torch's mode names); ValueError otherwise.
RecurrenceKind recurrence_kind(const std::string& mode);

}  // namespace cr
