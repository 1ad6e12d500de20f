// NumPy interop: from_numpy and Tensor.numpy() share memory (no copy); _from_numpy_copy backs
// chainrule.tensor(), which always copies. An array of a NumPy dtype chainrule lacks but whose
// values one of its dtypes holds (uint16 and uint32 integers) goes through from_numpy as a copy, with
// a warning that it does not share memory, rather than failing. NumPy has no bfloat16: such tensors
// raise PyTorch's TypeError in numpy().
// A real PyTorch tensor passed where a chainrule tensor goes is copied (copy_of_pytorch_tensor).
#include <pybind11/numpy.h>

#include <cstring>

#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/copy.h"

namespace cr::bind {

namespace {

std::optional<DType> dtype_of_array(const py::array& a) {
  py::dtype dt = a.dtype();
  if (dt.kind() == 'f' && dt.itemsize() == 4) return DType::Float32;
  if (dt.kind() == 'f' && dt.itemsize() == 8) return DType::Float64;
  if (dt.kind() == 'f' && dt.itemsize() == 2) return DType::Float16;
  if (dt.kind() == 'i' && dt.itemsize() == 8) return DType::Int64;
  if (dt.kind() == 'i' && dt.itemsize() == 4) return DType::Int32;
  if (dt.kind() == 'i' && dt.itemsize() == 2) return DType::Int16;
  if (dt.kind() == 'u' && dt.itemsize() == 1) return DType::UInt8;
  if (dt.kind() == 'i' && dt.itemsize() == 1) return DType::Int8;
  if (dt.kind() == 'b') return DType::Bool;
  return std::nullopt;
}

// The chainrule dtype that holds every value of a NumPy dtype it lacks: uint16 and uint32 in int64.
std::optional<DType> widened_dtype(const py::array& a) {
  py::dtype dt = a.dtype();
  if (dt.kind() == 'u' && (dt.itemsize() == 2 || dt.itemsize() == 4)) return DType::Int64;
  return std::nullopt;
}

py::dtype numpy_dtype(DType t) {
  if (t == DType::Float16) return py::dtype("float16");
  CR_CHECK(t != DType::BFloat16, TypeError, "Got unsupported ScalarType BFloat16");
  return CR_DISPATCH_ALL(t, "numpy", [] { return py::dtype::of<scalar_t>(); });
}

// NumPy keeps whatever byte a bool array holds (a uint8 array viewed as bool can hold 2 or 255);
// chainrule's kernels assume 0/1, so such an array's bytes are made 0/1 here, where bools come in
// (three True would otherwise sum to 258 and ~ would keep them True). The bools NumPy sees do not
// change; in place when allowed (from_numpy keeps sharing memory), else in a new array.
py::array canonical_bools(py::array arr, bool in_place) {
  if (arr.dtype().kind() != 'b' || arr.size() == 0) return arr;
  py::module_ np = py::module_::import("numpy");
  py::object bytes = arr.attr("view")("uint8");
  if (!np.attr("any")(np.attr("greater")(bytes, 1)).cast<bool>()) return arr;
  if (in_place && arr.writeable()) {
    np.attr("not_equal")(bytes, 0, py::arg("out") = arr);
    return arr;
  }
  return np.attr("not_equal")(bytes, 0);
}

Tensor from_numpy_copy(py::array arr, DType dtype);

// PyTorch's words, which programs name in warnings.filterwarnings(message=...) to silence it; as_tensor
// (chainrule._tensor) gives it too, as _C._READ_ONLY_ARRAY_WARNING.
constexpr const char* kReadOnlyArrayWarning =
    "The given NumPy array is not writable, and chainrule does not support non-writable tensors. This means writing "
    "to this tensor will result in undefined behavior. You may want to copy the array to protect its data or make it "
    "writable before converting it to a tensor.";

// The dtype of an array whose memory a tensor can share, or from_numpy's TypeError.
DType shareable_dtype(py::array arr) {
  auto dtype = dtype_of_array(arr);
  CR_CHECK(dtype.has_value(), TypeError, "from_numpy: NumPy dtype ", py::str(arr.dtype()).cast<std::string>(),
           " is not supported (expected float64, float32, float16, int64, int32, int16, int8, uint8 or bool, or "
           "uint16 or uint32, which are copied)");
  CR_CHECK(arr.dtype().attr("isnative").cast<bool>(), TypeError,
           "from_numpy: the array's byte order is not this machine's; use arr.astype(arr.dtype.newbyteorder('='))");
  return *dtype;
}

// A tensor over the array's memory, read-only or not; the array stays alive as long as the storage does.
Tensor view_of_array(py::array arr, DType dtype) {
  const int64_t size = static_cast<int64_t>(itemsize(dtype));
  Shape sizes, strides;
  int64_t span = size;
  for (py::ssize_t d = 0; d < arr.ndim(); ++d) {
    int64_t stride = arr.strides(d);
    CR_CHECK(stride >= 0, ValueError, "from_numpy: the array has a negative stride in dim ", d,
             "; pass arr.copy() (chainrule tensors have non-negative strides)");
    CR_CHECK(stride % size == 0, ValueError, "from_numpy: the array's stride ", stride, " in dim ", d,
             " is not a multiple of its element size ", size);
    sizes.push_back(arr.shape(d));
    strides.push_back(stride / size);
    if (arr.shape(d) > 0) span += (arr.shape(d) - 1) * stride;
  }
  auto* owner_ref = arr.inc_ref().ptr();
  std::shared_ptr<void> owner(owner_ref, [](void* p) {
    py::gil_scoped_acquire gil;
    Py_DECREF(static_cast<PyObject*>(p));
  });
  auto storage = Storage::wrap(const_cast<void*>(arr.data()), static_cast<size_t>(span), std::move(owner), Device{});
  return std::make_shared<TensorImpl>(std::move(storage), sizes, strides, 0, dtype);
}

// A tensor sharing the array's memory; a read-only array gets PyTorch's warning, since writes to the
// tensor would go to memory NumPy promised not to change.
Tensor from_numpy(py::array arr) {
  arr = canonical_bools(arr, /*in_place=*/true);
  if (auto wider = dtype_of_array(arr) ? std::nullopt : widened_dtype(arr)) {
    const std::string message = str_cat("from_numpy: chainrule has no ", py::str(arr.dtype()).cast<std::string>(),
                                        " dtype; the array was copied into a chainrule.", dtype_name(*wider),
                                        " tensor, which does not share its memory (convert the array with "
                                        "astype to choose the dtype yourself)");
    if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) throw py::error_already_set();
    return from_numpy_copy(arr, *wider);
  }
  const DType dtype = shareable_dtype(arr);
  if (!arr.writeable() && PyErr_WarnEx(PyExc_UserWarning, kReadOnlyArrayWarning, 1) != 0) {
    throw py::error_already_set();
  }
  return view_of_array(arr, dtype);
}

py::array to_numpy(py::handle self) {
  Tensor t = self.cast<Tensor>();
  CR_CHECK(t->device().is_cpu(), TypeError, "can't convert ", device_str(t->device()),
           " device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.");
  CR_CHECK(!t->requires_grad(), RuntimeError,
           "numpy: can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()");
  std::vector<py::ssize_t> shape(t->sizes().begin(), t->sizes().end()), strides;
  for (int64_t s : t->strides()) strides.push_back(s * static_cast<py::ssize_t>(itemsize(t->dtype())));
  return py::array(numpy_dtype(t->dtype()), shape, strides, t->raw_data(), self);  // base keeps t alive
}

// A new tensor holding a copy of a NumPy array (any numeric dtype), converted to `dtype`.
Tensor from_numpy_copy(py::array arr, DType dtype) {
  py::array src = canonical_bools(arr, /*in_place=*/false);
  if (!dtype_of_array(src)) {
    char kind = src.dtype().kind();
    CR_CHECK(kind == 'f' || kind == 'i' || kind == 'u' || kind == 'b', TypeError, "tensor: cannot make a tensor from ",
             "NumPy dtype ", py::str(src.dtype()).cast<std::string>(), " (expected numbers or bools)");
    src = src.attr("astype")(kind == 'f' ? "float64" : "int64");
  }
  // asarray(order="C") keeps 0-d arrays 0-d (ascontiguousarray would make them 1-d). The view is only
  // read from, so a read-only array (pandas' .values under copy-on-write) gets no warning, as in torch.tensor.
  py::array contiguous = py::module_::import("numpy").attr("asarray")(src, py::arg("order") = "C");
  Tensor view = view_of_array(contiguous, shareable_dtype(contiguous));
  // view holds the array (its storage's owner), so the copy may run without the GIL.
  return run_without_gil([&] {
    Tensor out = TensorImpl::empty(view->sizes(), dtype, Device{});
    copy_(out, view);
    return out;
  }, view);
}

// Whether obj's class comes from the torch package: its type's own __module__ is "torch" or "torch.*"
// (a dict lookup, so the calls that get here with a NumPy scalar or a dtype stay cheap).
bool of_pytorch_class(PyObject* obj) {
  PyObject* dict = Py_TYPE(obj)->tp_dict;
  PyObject* module = dict == nullptr ? nullptr : PyDict_GetItemString(dict, "__module__");  // borrowed
  const char* name = module != nullptr && PyUnicode_Check(module) ? PyUnicode_AsUTF8(module) : nullptr;
  return name != nullptr && std::strncmp(name, "torch", 5) == 0 && (name[5] == '\0' || name[5] == '.');
}

// A real PyTorch tensor where a chainrule tensor is expected (weight loaders hand safetensors.torch /
// Hugging Face tensors to `chainrule.chunk(w, 3, dim=-1)`, `param.copy_(w)`): pybind11 tries this only
// after an argument failed to load as a chainrule tensor. An object of a torch class is handed to
// chainrule._foreign_tensors, which copies a PyTorch tensor and returns None for anything else; what is
// not converted keeps pybind11's TypeError.
PyObject* copy_of_pytorch_tensor(PyObject* obj, PyTypeObject* /*type*/) {
  if (!of_pytorch_class(obj)) return nullptr;
  try {
    py::object copy = py::module_::import("chainrule._foreign_tensors").attr("pytorch_tensor_copy")(py::handle(obj));
    return copy.is_none() ? nullptr : copy.release().ptr();
  } catch (py::error_already_set&) {
    return nullptr;  // the error is dropped here: pybind11 goes on to its TypeError for the call
  }
}

}  // namespace

void bind_numpy(py::module_& m, TensorClass& cls) {
  py::detail::get_type_info(typeid(TensorImpl))->implicit_conversions.push_back(&copy_of_pytorch_tensor);
  m.def("from_numpy", &from_numpy, py::arg("ndarray"),
        "A tensor sharing memory with a NumPy array (float32, float64, int64 or bool).");
  m.def("_from_numpy_copy", [](py::array arr, py::handle dtype) { return from_numpy_copy(arr, to_dtype(dtype, DType::Float32)); },
        py::arg("ndarray"), py::arg("dtype"));
  m.attr("_READ_ONLY_ARRAY_WARNING") = kReadOnlyArrayWarning;
  cls.def("numpy", &to_numpy, "A NumPy array sharing memory with this CPU tensor.");
}

}  // namespace cr::bind
