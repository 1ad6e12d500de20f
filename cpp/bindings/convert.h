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
// A Tensor argument: None is not a tensor. pybind11's holder caster would hand the op a null pointer
// (a segfault at its first use); refusing None makes the call a TypeError, as in PyTorch. An argument
// that may be None is a std::optional<Tensor> or a py::handle.
template <>
class type_caster<cr::Tensor> : public copyable_holder_caster<cr::TensorImpl, cr::Tensor> {
 public:
  bool load(handle src, bool convert) {
    return !src.is_none() && copyable_holder_caster<cr::TensorImpl, cr::Tensor>::load(src, convert);
  }
};

template <>
struct type_caster<cr::Shape> {
  PYBIND11_TYPE_CASTER(cr::Shape, const_name("Sequence[int]"));
  bool load(handle src, bool convert);
  static handle cast(const cr::Shape& s, return_value_policy, handle);
};
}  // namespace pybind11::detail

namespace cr::bind {

// A Tensor argument that may be None (Python's None arrives as nullopt), and the null Tensor the ops
// take for an absent one.
using OptionalTensor = std::optional<Tensor>;
inline Tensor or_null(const OptionalTensor& t) { return t ? *t : nullptr; }

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
// The same, or by keyword as one sequence: f(size=(2, 3)), where keyword_name is PyTorch's name for
// them (size, shape, dims, repeats) and `keyword` that argument (None when not given). TypeError,
// in PyTorch's words, when they are given both ways, or not at all while `required`.
Shape sizes_from_args(const py::args& args, py::handle keyword, const char* op, const char* keyword_name,
                      bool required = true);

// Binds the Tensor method `name`(*sizes) that also takes them as keyword_name=(...) (x.view(2, 3),
// x.view((2, 3)), x.view(size=(2, 3))) as op(tensor, sizes). Unless `required`, no sizes at all
// means () (x.reshape(*t.shape) of a 0-d t, which chainrule's own Python code relies on).
template <typename Op>
void def_sizes_method(py::class_<TensorImpl, Tensor>& cls, const char* name, const char* keyword_name, Op op,
                      bool required = true) {
  cls.def(name, [name, keyword_name, op, required](const Tensor& t, const py::args& args, py::handle keyword) {
    return op(t, sizes_from_args(args, keyword, name, keyword_name, required));
  }, py::arg(keyword_name) = py::none());
}

// Applies the requires_grad= keyword of factories.
Tensor finish_factory(Tensor t, bool requires_grad);

}  // namespace cr::bind
