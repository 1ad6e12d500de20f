// Convolutions in chainrule._C._nn (behind chainrule.nn.functional.conv*): the Python layer has
// already expanded ints to one value per spatial dim; padding may also be 'same' or 'valid'.
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/conv.h"

namespace cr::bind {

namespace {

Tensor optional_tensor(py::handle obj, const char* op, const char* name) {
  if (obj.is_none()) return Tensor();
  if (!is_tensor(obj)) {
    throw py::type_error(std::string(op) + ": " + name + " must be a Tensor or None, got " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  return obj.cast<Tensor>();
}

// padding: 'same', 'valid' or one int per spatial dim.
ConvPadding to_padding(py::handle obj, const char* op, size_t dims) {
  if (py::isinstance<py::str>(obj)) {
    const std::string mode = obj.cast<std::string>();
    if (mode == "same") return {true, {}};
    if (mode == "valid") return {false, std::vector<int64_t>(dims, 0)};
    throw py::value_error(std::string(op) + ": padding must be 'same', 'valid' or ints, got '" + mode + "'");
  }
  return {false, obj.cast<std::vector<int64_t>>()};
}

using Conv = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const std::vector<int64_t>&, const ConvPadding&,
                        const std::vector<int64_t>&, int64_t);
using ConvTranspose = Tensor (*)(const Tensor&, const Tensor&, const Tensor&, const std::vector<int64_t>&,
                                 const std::vector<int64_t>&, const std::vector<int64_t>&, int64_t,
                                 const std::vector<int64_t>&);

void def_conv(py::module_& nn, const char* name, size_t dims, Conv fn) {
  nn.def(
      name,
      [name, dims, fn](const Tensor& input, const Tensor& weight, py::handle bias, const std::vector<int64_t>& stride,
                       py::handle padding, const std::vector<int64_t>& dilation, int64_t groups) {
        const Tensor b = optional_tensor(bias, name, "bias");
        const ConvPadding pad = to_padding(padding, name, dims);
        return run_without_gil([&] { return fn(input, weight, b, stride, pad, dilation, groups); }, input, weight);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
      py::arg("dilation"), py::arg("groups"));
}

void def_conv_transpose(py::module_& nn, const char* name, ConvTranspose fn) {
  nn.def(
      name,
      [name, fn](const Tensor& input, const Tensor& weight, py::handle bias, const std::vector<int64_t>& stride,
                 const std::vector<int64_t>& padding, const std::vector<int64_t>& output_padding, int64_t groups,
                 const std::vector<int64_t>& dilation) {
        const Tensor b = optional_tensor(bias, name, "bias");
        return run_without_gil([&] { return fn(input, weight, b, stride, padding, output_padding, groups, dilation); },
                               input, weight);
      },
      py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("stride"), py::arg("padding"),
      py::arg("output_padding"), py::arg("groups"), py::arg("dilation"));
}

}  // namespace

void bind_conv(py::module_& nn) {
  def_conv(nn, "conv1d", 1, &conv1d);
  def_conv(nn, "conv2d", 2, &conv2d);
  nn.def(
      "conv2d_algorithm",
      [](const Tensor& input, const Tensor& weight, const std::vector<int64_t>& stride, py::handle padding,
         const std::vector<int64_t>& dilation, int64_t groups) {
        return conv2d_algorithm(input, weight, stride, to_padding(padding, "conv2d", 2), dilation, groups);
      },
      py::arg("input"), py::arg("weight"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
      py::arg("groups"),
      "The kernel conv2d runs for these arguments: 'winograd', 'gemm' (pointwise) or 'im2col'.");
  def_conv_transpose(nn, "conv_transpose1d", &conv_transpose1d);
  def_conv_transpose(nn, "conv_transpose2d", &conv_transpose2d);
}

}  // namespace cr::bind
