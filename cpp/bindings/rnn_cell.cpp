// Fused recurrent-cell ops on chainrule._C._nn (lstm_cell_pointwise), used by chainrule.nn's LSTM layers.
#include "bindings/bindings.h"
#include "ops/rnn_cell.h"

namespace cr::bind {

void bind_rnn_cell(py::module_& nn) {
  nn.def(
      "lstm_cell_pointwise",
      [](const Tensor& gates, const Tensor& c_prev) { return lstm_cell_pointwise(gates, c_prev); },
      py::arg("gates"), py::arg("c_prev"),
      "(h, c) of one LSTM step from gate pre-activations (N, 4H) in order i, f, g, o and c_prev (N, H)");
}

}  // namespace cr::bind
