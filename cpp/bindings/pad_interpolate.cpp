// Padding and resampling in chainrule._C._nn: pad and the nearest/linear upsampling kernels behind
// chainrule.nn.functional.pad_interpolate (which resolves output sizes and scales first).
#include <optional>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/interpolate.h"
#include "ops/pad.h"

namespace cr::bind {

void bind_pad_interpolate(py::module_& nn) {
  using IntList = std::vector<int64_t>;
  nn.def("pad", [](const Tensor& x, const IntList& p, const std::string& mode, py::handle value) {
    return pad(x, p, mode, value.is_none() ? std::nullopt : std::optional<Scalar>(to_scalar(value, "pad")));
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = py::none());
  nn.def("upsample_nearest", without_gil(&upsample_nearest), py::arg("input"), py::arg("output_size"), py::arg("scales"));
  nn.def("upsample_linear", without_gil(&upsample_linear), py::arg("input"), py::arg("output_size"), py::arg("align_corners"),
         py::arg("scales"));
}

}  // namespace cr::bind
