// View ops as Tensor methods and chainrule functions: view, reshape, permute, expand, ...
#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "ops/view.h"

namespace cr::bind {

namespace {
Tensor reverse_dims(const Tensor& t) {
  Shape order;
  for (int64_t d = t->dim(); d-- > 0;) order.push_back(d);
  return permute(t, order);
}

// squeeze(), squeeze(dim) or squeeze((dims...)) (PyTorch 2.0+): the listed dims of size 1 go.
Tensor squeeze_any(const Tensor& t, py::handle dim) {
  if (dim.is_none() || is_int(dim)) return squeeze(t, optional_dim_arg(dim, "squeeze"));
  const DimList dims = dims_arg(dim, "squeeze");
  if (dims->empty()) return view(t, t->sizes());
  const uint32_t listed = reduced_dims_mask(t, dims, "squeeze");  // wraps, and refuses a repeated dim
  Tensor out = t;
  for (int64_t d = t->dim(); d-- > 0;) {
    if (listed >> d & 1) out = squeeze(out, d);
  }
  return out;
}
}  // namespace

void bind_view(py::module_& m, TensorClass& cls) {
  // dims read by dim_arg: a tuple (or another non-int) is a TypeError naming the op.
  auto transpose_fn = [](const Tensor& t, py::handle d0, py::handle d1) {
    return transpose(t, dim_arg(d0, "transpose"), dim_arg(d1, "transpose"));
  };
  auto flatten_fn = [](const Tensor& t, py::handle start, py::handle end) {
    return flatten(t, dim_arg(start, "flatten"), dim_arg(end, "flatten"));
  };
  auto unflatten_fn = [](const Tensor& t, py::handle d, const Shape& sizes) {
    return unflatten(t, dim_arg(d, "unflatten"), sizes);
  };
  auto unsqueeze_fn = [](const Tensor& t, py::handle d) { return unsqueeze(t, dim_arg(d, "unsqueeze")); };
  auto narrow_fn = [](const Tensor& t, py::handle d, int64_t start, int64_t length) {
    return narrow(t, dim_arg(d, "narrow"), start, length);
  };
  auto select_fn = [](const Tensor& t, py::handle d, int64_t index) { return select(t, dim_arg(d, "select"), index); };
  // No sizes at all is () for these four (PyTorch raises): chainrule's Python code reshapes to *t.shape of 0-d t.
  // view(dtype): the same bytes as another dtype (chainrule._functions.dtypes.view_as_dtype). Bound
  // before the sizes overload, which would read a dtype as a size.
  cls.def("view", [](const Tensor& t, DType dtype) {
    return py::module_::import("chainrule._functions.dtypes").attr("view_as_dtype")(t, dtype);
  }, py::arg("dtype"));
  // The same bytes as a dtype of the same element size (bfloat16 as int16), on any device: for view(dtype).
  m.def("_view_same_size", [](const Tensor& t, DType dtype) {
    CR_CHECK(itemsize(dtype) == itemsize(t->dtype()), RuntimeError, "view(dtype): ", t->dtype(), " and ", dtype,
             " differ in element size");
    return std::make_shared<TensorImpl>(t->storage(), t->sizes(), t->strides(), t->offset(), dtype);
  }, py::arg("input"), py::arg("dtype"));
  def_sizes_method(cls, "view", "size", [](const Tensor& t, const Shape& s) { return view(t, s); }, false);
  def_sizes_method(cls, "reshape", "shape", [](const Tensor& t, const Shape& s) { return reshape(t, s); }, false);
  def_sizes_method(cls, "permute", "dims", [](const Tensor& t, const Shape& s) { return permute(t, s); }, false);
  def_sizes_method(cls, "expand", "size", [](const Tensor& t, const Shape& s) { return expand(t, s); }, false);
  cls.def("view_as", [](const Tensor& t, const Tensor& o) { return view(t, o->sizes()); }, py::arg("other"))
      .def("reshape_as", [](const Tensor& t, const Tensor& o) { return reshape(t, o->sizes()); }, py::arg("other"))
      .def("expand_as", [](const Tensor& t, const Tensor& o) { return expand(t, o->sizes()); }, py::arg("other"))
      .def("transpose", transpose_fn, py::arg("dim0"), py::arg("dim1"))
      .def("swapaxes", transpose_fn, py::arg("axis0"), py::arg("axis1"))
      .def("t", &t_)
      .def_property_readonly("T", &reverse_dims)
      .def_property_readonly("mT", [](const Tensor& t) {
        CR_CHECK(t->dim() >= 2, ValueError, "mT: needs a tensor with at least 2 dims, got shape ", t->sizes());
        return transpose(t, -2, -1);
      })
      .def("flatten", flatten_fn, py::arg("start_dim") = 0, py::arg("end_dim") = -1)
      .def("unflatten", unflatten_fn, py::arg("dim"), py::arg("sizes"))
      .def("squeeze", &squeeze_any, py::arg("dim") = py::none())
      .def("unsqueeze", unsqueeze_fn, py::arg("dim"))
      .def("narrow", narrow_fn, py::arg("dim"), py::arg("start"), py::arg("length"))
      .def("movedim", &movedim, py::arg("source"), py::arg("destination"))
      .def("select", select_fn, py::arg("dim"), py::arg("index"))
      .def("as_strided", [](const Tensor& t, const Shape& size, const Shape& stride, std::optional<int64_t> offset) {
        return as_strided(t, size, stride, offset.value_or(t->offset()));
      }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());

  m.def("reshape", [](const Tensor& t, const Shape& shape) { return reshape(t, shape); }, py::arg("input"), py::arg("shape"));
  m.def("permute", [](const Tensor& t, const Shape& dims) { return permute(t, dims); }, py::arg("input"), py::arg("dims"));
  m.def("transpose", transpose_fn, py::arg("input"), py::arg("dim0"), py::arg("dim1"));
  m.def("t", &t_, py::arg("input"));
  m.def("flatten", flatten_fn, py::arg("input"), py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  m.def("unflatten", unflatten_fn, py::arg("input"), py::arg("dim"), py::arg("sizes"));
  m.def("squeeze", &squeeze_any, py::arg("input"), py::arg("dim") = py::none());
  m.def("unsqueeze", unsqueeze_fn, py::arg("input"), py::arg("dim"));
  m.def("narrow", narrow_fn, py::arg("input"), py::arg("dim"), py::arg("start"), py::arg("length"));
  m.def("movedim", &movedim, py::arg("input"), py::arg("source"), py::arg("destination"));
  m.def("select", select_fn, py::arg("input"), py::arg("dim"), py::arg("index"));
}

}  // namespace cr::bind
