// Implementation of the argument conversions shared by the binding files.
#include "bindings/convert.h"

#include <pybind11/numpy.h>

#include <optional>

#include "core/error.h"
#include "ops/copy.h"

namespace {
// A Python int as a size: an int past int64 is a TypeError saying so (PyTorch: "Overflow when
// unpacking long long"), not pybind11's "incompatible function arguments".
int64_t size_from_int(pybind11::handle item) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(item.ptr(), &overflow);
  CR_CHECK(!overflow, TypeError, "the size ", pybind11::str(item).cast<std::string>(),
           " does not fit in int64 (sizes are at most 2**63 - 1)");
  return static_cast<int64_t>(v);
}

// A size given as a Python int or as another integer with __index__ (NumPy ints, 0-d integer tensors),
// as PyTorch takes them; a bool, a float or a tensor of several elements is not a size.
std::optional<int64_t> size_from_index(pybind11::handle item) {
  if (PyBool_Check(item.ptr()) || !PyIndex_Check(item.ptr())) return std::nullopt;
  if (PyLong_Check(item.ptr())) return size_from_int(item);
  PyObject* as_int = PyNumber_Index(item.ptr());
  if (as_int == nullptr) {
    PyErr_Clear();
    return std::nullopt;
  }
  return size_from_int(pybind11::reinterpret_steal<pybind11::object>(as_int));
}
}  // namespace

namespace pybind11::detail {

bool type_caster<cr::Shape>::load(handle src, bool) {
  if (!src || !PySequence_Check(src.ptr()) || PyUnicode_Check(src.ptr()) || PyBytes_Check(src.ptr())) return false;
  sequence seq = reinterpret_borrow<sequence>(src);
  size_t n = seq.size();
  if (n > static_cast<size_t>(cr::kMaxDims)) return false;
  value = cr::Shape();
  for (size_t i = 0; i < n; ++i) {
    std::optional<int64_t> size = size_from_index(seq[i]);
    if (!size) return false;
    value.push_back(*size);
  }
  return true;
}

handle type_caster<cr::Shape>::cast(const cr::Shape& s, return_value_policy, handle) {
  tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = int_(s[i]);
  return t.release();
}

}  // namespace pybind11::detail

namespace cr::bind {

bool is_tensor(py::handle obj) { return py::isinstance<TensorImpl>(obj); }

namespace {
// numpy.generic, the base of NumPy's scalar types (np.float32(1), np.int64(2), np.bool_(True)).
bool is_numpy_scalar(py::handle obj) {
  static PyObject* generic = py::object(py::module_::import("numpy").attr("generic")).release().ptr();
  return PyObject_IsInstance(obj.ptr(), generic) == 1;
}
}  // namespace

std::optional<Scalar> as_scalar(py::handle obj) {
  PyObject* p = obj.ptr();
  if (PyBool_Check(p)) return Scalar(p == Py_True);
  if (PyLong_Check(p)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
    CR_CHECK(!overflow, ValueError, "integer ", py::str(obj).cast<std::string>(), " does not fit in int64");
    return Scalar(static_cast<int64_t>(v));
  }
  if (PyFloat_Check(p)) return Scalar(PyFloat_AS_DOUBLE(p));
  if (is_numpy_scalar(obj)) {
    py::object item = obj.attr("item")();
    if (PyBool_Check(item.ptr()) || PyLong_Check(item.ptr()) || PyFloat_Check(item.ptr())) return as_scalar(item);
  }
  return std::nullopt;
}

Scalar to_scalar(py::handle obj, const char* op) {
  if (auto s = as_scalar(obj)) return *s;
  if (is_tensor(obj)) {
    Tensor t = obj.cast<Tensor>();
    CR_CHECK(t->numel() == 1, ValueError, op, ": expected a number or a one-element tensor, got a ",
             describe(t));
    return item(t);
  }
  CR_FAIL(TypeError, op, ": expected a number, got ", py::str(py::type::of(obj)).cast<std::string>());
}

DType to_dtype(py::handle obj, DType fallback) {
  if (obj.is_none()) return fallback;
  if (py::isinstance<DType>(obj)) return obj.cast<DType>();
  PyObject* p = obj.ptr();
  if (p == reinterpret_cast<PyObject*>(&PyFloat_Type)) return DType::Float64;
  if (p == reinterpret_cast<PyObject*>(&PyLong_Type)) return DType::Int64;
  if (p == reinterpret_cast<PyObject*>(&PyBool_Type)) return DType::Bool;
  py::object np_dtype;
  try {
    np_dtype = py::module_::import("numpy").attr("dtype")(obj);
  } catch (py::error_already_set&) {
    CR_FAIL(TypeError, "dtype: expected a chainrule dtype (chainrule.float32, ...), got ",
            py::repr(obj).cast<std::string>());
  }
  std::string name = py::str(np_dtype).cast<std::string>();
  if (name == "float32") return DType::Float32;
  if (name == "float64") return DType::Float64;
  if (name == "float16") return DType::Float16;
  if (name == "int64") return DType::Int64;
  if (name == "uint8") return DType::UInt8;
  if (name == "int8") return DType::Int8;
  if (name == "int32") return DType::Int32;
  if (name == "int16") return DType::Int16;
  if (name == "bool") return DType::Bool;
  CR_FAIL(TypeError, "dtype: ", name,
          " is not supported (chainrule has float32, float64, float16, bfloat16, int64, int32, int16, uint8, int8 "
          "and bool)");
}

std::optional<DType> to_optional_dtype(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return to_dtype(obj, DType::Float32);
}

bool is_device_index(py::handle obj) { return PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr()); }

Device to_device(py::handle obj) {
  if (obj.is_none()) return default_device();
  if (py::isinstance<Device>(obj)) return obj.cast<Device>();
  if (py::isinstance<py::str>(obj)) return parse_device(obj.cast<std::string>());
  if (is_device_index(obj)) return make_device("cuda", obj.cast<int64_t>());
  CR_FAIL(TypeError, "device: expected a string such as 'cpu', a CUDA index or a chainrule.device, got ",
          py::repr(obj).cast<std::string>());
}

namespace {
// The sizes in one sequence argument. An element that is not an int (nn.Conv2d(24, 50.0, 1) from Python 2
// era code) is PyTorch's TypeError "argument 'size' (position 1) must be tuple of ints, but found element
// of type float at pos 1", not pybind11's "Unable to cast Python instance of type <class 'tuple'>".
Shape sizes_from_sequence(py::handle sequence, const char* op, const char* name) {
  try {
    return py::cast<Shape>(sequence);
  } catch (const py::cast_error&) {
    py::sequence items = py::reinterpret_borrow<py::sequence>(sequence);
    for (size_t i = 0; i < items.size(); ++i) {
      py::object item = items[i];
      CR_CHECK(PyIndex_Check(item.ptr()), TypeError, op, "(): argument '", name,
               "' (position 1) must be tuple of ints, but found element of type ", Py_TYPE(item.ptr())->tp_name,
               " at pos ", i);
    }
    throw;
  }
}
}  // namespace

Shape sizes_from_args(const py::args& args, const char* op) {
  if (args.size() == 1 && !size_from_index(args[0])) {
    py::handle a = args[0];
    CR_CHECK(py::isinstance<py::sequence>(a) && !py::isinstance<py::str>(a), TypeError, op,
             ": sizes must be ints or one sequence of ints, got ", py::repr(a).cast<std::string>());
    return sizes_from_sequence(a, op, "size");
  }
  Shape sizes;
  for (py::handle a : args) {
    std::optional<int64_t> size = size_from_index(a);
    CR_CHECK(size.has_value(), TypeError, op, ": sizes must be ints or one sequence of ints, got ",
             py::repr(a).cast<std::string>());
    sizes.push_back(*size);
  }
  return sizes;
}

Shape sizes_from_args(const py::args& args, py::handle keyword, const char* op, const char* keyword_name,
                      bool required) {
  if (keyword.is_none()) {
    CR_CHECK(args.size() > 0 || !required, TypeError, op, "() missing 1 required positional arguments: \"", keyword_name, "\"");
    return sizes_from_args(args, op);
  }
  CR_CHECK(args.size() == 0, TypeError, op, "() got multiple values for argument '", keyword_name, "'");
  CR_CHECK(py::isinstance<py::sequence>(keyword) && !py::isinstance<py::str>(keyword), TypeError, op,
           "(): argument '", keyword_name, "' must be tuple of ints, not ", Py_TYPE(keyword.ptr())->tp_name);
  return sizes_from_sequence(keyword, op, keyword_name);
}

Tensor finish_factory(Tensor t, bool requires_grad) {
  if (requires_grad) t->set_requires_grad(true, "requires_grad");
  return t;
}

}  // namespace cr::bind
