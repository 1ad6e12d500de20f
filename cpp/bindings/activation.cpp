// Activation functions in chainrule._C._nn (behind chainrule.nn.functional): each as `name(input,
// params...)` and, where PyTorch has an in-place form, `name_(input, params...)` returning input.
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/activation.h"

namespace cr::bind {

namespace {

// nn.name(input, params...) and, with in_place, nn.name_(input, params...).
template <typename... P, typename... Args>
void def_activation(py::module_& nn, const char* name, Activation (*make)(P...), bool in_place, const Args&... args) {
  nn.def(name, without_gil([make](const Tensor& x, P... p) { return activation(x, make(p...)); }), py::arg("input"),
         args...);
  if (!in_place) return;
  const std::string in_place_name = std::string(name) + "_";
  nn.def(in_place_name.c_str(), without_gil([make](const Tensor& x, P... p) {
    activation_(x, make(p...));
    return x;
  }), py::arg("input"), args...);
}

}  // namespace

void bind_activation(py::module_& nn) {
  def_activation(nn, "leaky_relu", &Activation::leaky_relu, true, py::arg("negative_slope") = 0.01);
  def_activation(nn, "elu", &Activation::elu, true, py::arg("alpha") = 1.0);
  def_activation(nn, "selu", &Activation::selu, true);
  def_activation(nn, "celu", &Activation::celu, true, py::arg("alpha") = 1.0);
  def_activation(nn, "gelu", &Activation::gelu, false, py::arg("approximate") = "none");
  def_activation(nn, "silu", &Activation::silu, true);
  def_activation(nn, "mish", &Activation::mish, true);
  def_activation(nn, "softplus", &Activation::softplus, false, py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  def_activation(nn, "hardtanh", &Activation::hardtanh, true, py::arg("min_val") = -1.0, py::arg("max_val") = 1.0);
  def_activation(nn, "relu6", &Activation::relu6, true);
  def_activation(nn, "hardsigmoid", &Activation::hardsigmoid, true);
  def_activation(nn, "hardswish", &Activation::hardswish, true);
  def_activation(nn, "log_sigmoid", &Activation::logsigmoid, false);
  def_activation(nn, "threshold", &Activation::threshold, true, py::arg("threshold"), py::arg("value"));
  nn.def("softsign", without_gil(&softsign), py::arg("input"));
}

}  // namespace cr::bind
