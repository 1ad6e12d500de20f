// Pooling, padding and resampling in chainrule._C._nn (the kernels behind
// chainrule.nn.functional's pooling.py and sampling.py). Arguments arrive normalized by the Python
// wrappers: one int per spatial dim, output sizes resolved; max pools return (values, indices).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/interpolate.h"
#include "ops/pad.h"
#include "ops/pool.h"

namespace cr::bind {

void bind_pool(py::module_& nn) {
  using IntList = std::vector<int64_t>;
  nn.def("max_pool1d_with_indices", without_gil(&max_pool1d_with_indices), py::arg("input"), py::arg("kernel_size"),
         py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("ceil_mode"));
  nn.def("max_pool2d_with_indices", without_gil(&max_pool2d_with_indices), py::arg("input"), py::arg("kernel_size"),
         py::arg("stride"), py::arg("padding"), py::arg("dilation"), py::arg("ceil_mode"));
  nn.def("avg_pool1d", without_gil(&avg_pool1d), py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
         py::arg("ceil_mode"), py::arg("count_include_pad"));
  nn.def("avg_pool2d", without_gil(&avg_pool2d), py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
         py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"));
  nn.def("adaptive_avg_pool1d", without_gil(&adaptive_avg_pool1d), py::arg("input"), py::arg("output_size"));
  nn.def("adaptive_avg_pool2d", without_gil(&adaptive_avg_pool2d), py::arg("input"), py::arg("output_size"));
  nn.def("adaptive_max_pool1d", without_gil(&adaptive_max_pool1d), py::arg("input"), py::arg("output_size"));
  nn.def("adaptive_max_pool2d", without_gil(&adaptive_max_pool2d), py::arg("input"), py::arg("output_size"));
  nn.def("pad", [](const Tensor& x, const IntList& p, const std::string& mode, py::handle value) {
    return pad(x, p, mode, value.is_none() ? std::nullopt : std::optional<Scalar>(to_scalar(value, "pad")));
  }, py::arg("input"), py::arg("pad"), py::arg("mode") = "constant", py::arg("value") = py::none());
  nn.def("upsample_nearest", without_gil(&upsample_nearest), py::arg("input"), py::arg("output_size"), py::arg("scales"));
  nn.def("upsample_linear", without_gil(&upsample_linear), py::arg("input"), py::arg("output_size"), py::arg("align_corners"),
         py::arg("scales"));
}

}  // namespace cr::bind
