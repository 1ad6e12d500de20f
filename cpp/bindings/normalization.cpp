// Normalization ops on chainrule._C._nn: batch_norm, layer_norm, group_norm. Optional tensors
// arrive as None. The Python wrappers in chainrule.nn.functional.normalization give them
// torch.nn.functional's signatures.
#include <optional>

#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/batch_norm.h"
#include "ops/layer_norm.h"

namespace cr::bind {

void bind_normalization(py::module_& nn) {
  nn.def(
      "batch_norm",
      without_gil([](const Tensor& input, const OptionalTensor& running_mean, const OptionalTensor& running_var,
         const OptionalTensor& weight, const OptionalTensor& bias, bool training, double momentum, double eps) {
        return batch_norm(input, or_null(running_mean), or_null(running_var), or_null(weight), or_null(bias),
                          training, momentum, eps);
      }),
      py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  nn.def(
      "layer_norm",
      without_gil([](const Tensor& input, const Shape& normalized_shape, const OptionalTensor& weight, const OptionalTensor& bias,
         double eps) { return layer_norm(input, normalized_shape, or_null(weight), or_null(bias), eps); }),
      py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("eps") = 1e-5);
  nn.def(
      "group_norm",
      without_gil([](const Tensor& input, int64_t num_groups, const OptionalTensor& weight, const OptionalTensor& bias,
         double eps) { return group_norm(input, num_groups, or_null(weight), or_null(bias), eps); }),
      py::arg("input"), py::arg("num_groups"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("eps") = 1e-5);
}

}  // namespace cr::bind
