// Conversions between Python objects and core types used by every binding file: Shape <-> tuple
// (a pybind11 caster), Python numbers -> Scalar, and the dtype/device/size argument forms PyTorch
// accepts (chainrule.float32 or float; "cpu"; zeros(2, 3) or zeros((2, 3))).
#pragma once

#include <optional>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "core/scalar.h"
#include "core/tensor.h"

namespace py = pybind11;

namespace pybind11::detail {
template <>
struct type_caster<cr::Shape> {
  PYBIND11_TYPE_CASTER(cr::Shape, const_name("Sequence[int]"));
  bool load(handle src, bool convert);
  static handle cast(const cr::Shape& s, return_value_policy, handle);
};
}  // namespace pybind11::detail

namespace cr::bind {

bool is_tensor(py::handle obj);
// A Python bool/int/float (or NumPy scalar) as a Scalar; nullopt for anything else.
std::optional<Scalar> as_scalar(py::handle obj);
Scalar to_scalar(py::handle obj, const char* op);  // TypeError naming op when not a number

// None -> fallback; chainrule dtype, Python float/int/bool or a NumPy dtype otherwise.
DType to_dtype(py::handle obj, DType fallback);
std::optional<DType> to_optional_dtype(py::handle obj);
// None -> the default device; "cpu", "cuda:0", a CUDA index or a chainrule.device.
Device to_device(py::handle obj);
bool is_device_index(py::handle obj);  // an int (not a bool): PyTorch's spelling of a CUDA device

// Sizes given as varargs: f(2, 3), f((2, 3)) or f([2, 3]).
Shape sizes_from_args(const py::args& args, const char* op);

// Applies the requires_grad= keyword of factories.
Tensor finish_factory(Tensor t, bool requires_grad);

}  // namespace cr::bind
