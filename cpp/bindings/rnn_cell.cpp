// Fused recurrent ops on chainrule._C._nn: the gate math of one step (lstm/gru/rnn_cell_pointwise, for
// the cells and packed sequences) and a whole layer direction (rnn_sequence, for nn.RNN/LSTM/GRU).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/rnn_cell.h"
#include "ops/rnn_sequence.h"

namespace cr::bind {

void bind_rnn_cell(py::module_& nn) {
  nn.def("lstm_cell_pointwise", without_gil(&lstm_cell_pointwise), py::arg("x_gates"), py::arg("h_gates"), py::arg("c_prev"),
         "(h, c) of one LSTM step from x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh, both (N, 4H) in "
         "order i, f, g, o, and c_prev (N, H)");
  nn.def("gru_cell_pointwise", without_gil(&gru_cell_pointwise), py::arg("x_gates"), py::arg("h_gates"), py::arg("h_prev"),
         "h of one GRU step from x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh, both (N, 3H) in order "
         "r, z, n, and h_prev (N, H)");
  nn.def(
      "rnn_cell_pointwise",
      [](const Tensor& x_proj, const Tensor& h_proj, const std::string& nonlinearity) {
        CR_CHECK(nonlinearity == "tanh" || nonlinearity == "relu", ValueError,
                 "rnn_cell_pointwise: unknown nonlinearity '", nonlinearity, "', expected 'tanh' or 'relu'");
        return rnn_cell_pointwise(x_proj, h_proj, nonlinearity == "relu");
      },
      py::arg("x_proj"), py::arg("h_proj"), py::arg("nonlinearity") = "tanh",
      "h = tanh or relu of x_proj + h_proj, both (N, H): one Elman RNN step");
  nn.def(
      "rnn_sequence",
      without_gil([](const std::string& mode, const Tensor& x_proj, const Tensor& h0, const OptionalTensor& c0,
                     const Tensor& w_hh, const OptionalTensor& b_hh, bool reverse) {
        return rnn_sequence(recurrence_kind(mode), x_proj, h0, or_null(c0), w_hh, or_null(b_hh), reverse);
      }),
      py::arg("mode"), py::arg("x_proj"), py::arg("h0"), py::arg("c0"), py::arg("w_hh"), py::arg("b_hh"),
      py::arg("reverse") = false,
      "[output (L, N, H)] (+ c_n for LSTM) of one layer direction run over x_proj (L, N, G*H) = W_ih x + b_ih "
      "(+ b_hh except for GRU) from h0 (and c0); mode is RNN_TANH, RNN_RELU, LSTM or GRU");
}

}  // namespace cr::bind
