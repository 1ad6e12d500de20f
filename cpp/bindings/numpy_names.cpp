// NumPy's argument names, which PyTorch accepts beside its own (python_arg_parser's
// numpy_compatibility_arg_names): axis= for dim= and keepdims= for keepdim=, so that
// x.sum(1, keepdims=True) and torch.mean(x, axis=0) work as they do in PyTorch.
//
// Every bound function and Tensor method with a `dim` parameter gets one more overload, tried
// last: when the call uses one of those keywords it renames them and calls the function again;
// otherwise it steps aside (pybind11 then tries the real overloads with conversions, and raises
// its usual TypeError if none fits). A call that matches a real overload never reaches it, so the
// common path costs nothing.
#include <string>
#include <utility>

#include "bindings/bindings.h"

namespace cr::bind {
namespace {

const std::pair<const char*, const char*> kNumpyNames[] = {{"axis", "dim"}, {"keepdims", "keepdim"}};

// kwargs with NumPy's names replaced by PyTorch's; `renamed` tells whether any was.
py::dict torch_names(const py::kwargs& kwargs, bool& renamed) {
  py::dict out;
  renamed = false;
  for (auto item : kwargs) {
    std::string key = py::str(item.first);
    for (const auto& [numpy_name, torch_name] : kNumpyNames) {
      if (key == numpy_name && !kwargs.contains(torch_name)) {
        key = torch_name;
        renamed = true;
      }
    }
    out[py::str(key)] = item.second;
  }
  return out;
}

bool has_dim_parameter(const py::object& function) {
  const std::string doc = py::str(function.attr("__doc__"));
  return doc.find("dim") != std::string::npos;
}

// Appends the renaming overload to owner.name (a module function or, with method_of, a Tensor method).
void add_numpy_names_overload(py::object owner, const std::string& name, py::handle method_of) {
  py::object original = owner.attr(name.c_str());
  // `original` holds the whole overload chain, this overload included: the renamed call cannot
  // come back here, as it has no NumPy names left.
  auto call = [original](py::args args, py::kwargs kwargs) -> py::object {
    bool renamed = false;
    py::dict named = torch_names(kwargs, renamed);
    if (!renamed) throw py::reference_cast_error();  // pybind11: "try the next overload"
    return original(*args, **named);
  };
  py::cpp_function overload =
      method_of ? py::cpp_function(call, py::name(name.c_str()), py::is_method(method_of), py::sibling(original))
                : py::cpp_function(call, py::name(name.c_str()), py::scope(owner), py::sibling(original));
  owner.attr(name.c_str()) = overload;
}

}  // namespace

void bind_numpy_names(py::module_& m, TensorClass& cls) {
  py::object builtin_function = py::module_::import("types").attr("BuiltinFunctionType");
  for (auto entry : py::list(m.attr("__dict__").attr("items")())) {
    auto item = entry.cast<py::tuple>();
    const std::string name = py::str(item[0]);
    py::object value = item[1];
    if (name[0] != '_' && py::isinstance(value, builtin_function) && has_dim_parameter(value))
      add_numpy_names_overload(m, name, py::handle());
  }
  for (auto entry : py::list(cls.attr("__dict__").attr("items")())) {
    auto item = entry.cast<py::tuple>();
    const std::string name = py::str(item[0]);
    py::object value = item[1];
    if (name[0] != '_' && py::hasattr(value, "__func__") && has_dim_parameter(value))
      add_numpy_names_overload(cls, name, cls);
  }
}

}  // namespace cr::bind
