// Matrix products in Python: the @ operator, Tensor.matmul/mm/bmm/dot/outer/mv and the
// chainrule functions of the same names.
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/matmul.h"

namespace cr::bind {

namespace {

using Product = Tensor (*)(const Tensor&, const Tensor&);

struct ProductEntry {
  const char* name;
  Product fn;
  const char* other;  // name of the second argument, as in PyTorch
};

const ProductEntry kProducts[] = {
    {"matmul", &matmul, "other"}, {"mm", &mm, "mat2"}, {"bmm", &bmm, "mat2"},
    {"dot", &dot, "tensor"},      {"outer", &outer, "vec2"}, {"mv", &mv, "vec"},
};

// a @ b for the operators: NotImplemented when the other side is not a tensor.
py::object apply_matmul(py::handle a, py::handle b) {
  if (!is_tensor(a) || !is_tensor(b)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
  const Tensor x = a.cast<Tensor>(), y = b.cast<Tensor>();
  return py::cast(run_without_gil([&] { return matmul(x, y); }, x, y));
}

}  // namespace

void bind_matmul(py::module_& m, TensorClass& cls) {
  cls.def("__matmul__", [](const Tensor& t, py::handle o) { return apply_matmul(py::cast(t), o); }, py::is_operator())
      .def("__rmatmul__", [](const Tensor& t, py::handle o) { return apply_matmul(o, py::cast(t)); }, py::is_operator());
  for (const ProductEntry& e : kProducts) {
    cls.def(e.name, without_gil(e.fn), py::arg(e.other));
    m.def(e.name, without_gil(e.fn), py::arg("input"), py::arg(e.other));
  }
}

}  // namespace cr::bind
