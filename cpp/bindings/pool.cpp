// Pooling in chainrule._C._nn (the kernels behind chainrule.nn.functional.pool). Arguments arrive
// normalized by the Python wrappers: one int per spatial dim, output sizes resolved; max pools
// return (values, indices).
#include "bindings/bindings.h"
#include "bindings/gil.h"
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
}

}  // namespace cr::bind
