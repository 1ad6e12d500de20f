// chainrule._C._nn.linear: y = x W^T + b as one op (see ops/linear.h), behind nn.functional.linear.
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/linear.h"

namespace cr::bind {

void bind_linear(py::module_& nn) {
  nn.def("linear", without_gil([](const Tensor& input, const Tensor& weight, const OptionalTensor& bias) {
           return linear(input, weight, or_null(bias));
         }), py::arg("input"), py::arg("weight"), py::arg("bias"),
         "input (*, in) @ weight.T (in, out) + bias (out,): one GEMM with the bias preloaded");
}

}  // namespace cr::bind
