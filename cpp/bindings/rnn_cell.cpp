// Fused recurrent-cell ops on chainrule._C._nn (lstm/gru/rnn_cell_pointwise), used by chainrule.nn's
// RNN, LSTM and GRU layers and cells for the gate math of each time step.
#include "bindings/bindings.h"
#include "ops/rnn_cell.h"

namespace cr::bind {

void bind_rnn_cell(py::module_& nn) {
  nn.def("lstm_cell_pointwise", &lstm_cell_pointwise, py::arg("x_gates"), py::arg("h_gates"), py::arg("c_prev"),
         "(h, c) of one LSTM step from x_gates = W_ih x + b_ih and h_gates = W_hh h + b_hh, both (N, 4H) in "
         "order i, f, g, o, and c_prev (N, H)");
  nn.def("gru_cell_pointwise", &gru_cell_pointwise, py::arg("x_gates"), py::arg("h_gates"), py::arg("h_prev"),
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
}

}  // namespace cr::bind
