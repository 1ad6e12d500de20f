// Reading the `dim` argument forms (see dim_args.h).
#include "bindings/dim_args.h"

#include "core/error.h"

namespace cr::bind {

std::string type_name(py::handle obj) { return py::str(py::type::of(obj).attr("__name__")).cast<std::string>(); }

bool is_int(py::handle obj) { return !PyBool_Check(obj.ptr()) && PyIndex_Check(obj.ptr()); }

DimList dims_arg(py::handle obj, const char* op) {
  if (obj.is_none()) return std::nullopt;
  if (is_int(obj)) return std::vector<int64_t>{obj.cast<int64_t>()};
  CR_CHECK(py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj), TypeError, op,
           ": dim must be an int, a tuple of ints or None, got ", type_name(obj));
  std::vector<int64_t> dims;
  for (py::handle d : obj) {
    CR_CHECK(is_int(d), TypeError, op, ": dim must be an int, a tuple of ints or None, got a ", type_name(obj),
             " holding a ", type_name(d));
    dims.push_back(d.cast<int64_t>());
  }
  return dims;
}

int64_t dim_arg(py::handle obj, const char* op) {
  const bool several = py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj);
  CR_CHECK(is_int(obj), TypeError, op, ": dim must be an int, got ", type_name(obj),
           several ? " (one dim, not a tuple of dims)" : "");
  return obj.cast<int64_t>();
}

std::optional<int64_t> optional_dim_arg(py::handle obj, const char* op) {
  if (obj.is_none()) return std::nullopt;
  return dim_arg(obj, op);
}

}  // namespace cr::bind
