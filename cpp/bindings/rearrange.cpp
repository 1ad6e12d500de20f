// flip (fliplr, flipud), roll, repeat, tile, tril/triu and tril_indices/triu_indices in Python with
// PyTorch's signatures: Tensor methods take dims or sizes as varargs or one sequence (x.flip(0, 1),
// x.repeat((2, 3))), functions take them as an int or a sequence (torch.flip(x, [0]),
// torch.roll(x, 1, 0)).
#include "bindings/bindings.h"
#include "ops/copy.h"
#include "ops/rearrange.h"

namespace cr::bind {

namespace {

// An int or a sequence of ints, as a list.
std::vector<int64_t> int_list(py::handle obj, const char* op, const char* what) {
  if (PyLong_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) return {obj.cast<int64_t>()};
  CR_CHECK(py::isinstance<py::sequence>(obj) && !py::isinstance<py::str>(obj), TypeError, op, ": ", what,
           " must be an int or a sequence of ints, got ", py::repr(obj).cast<std::string>());
  Shape s = py::cast<Shape>(obj);
  return {s.begin(), s.end()};
}

std::vector<int64_t> as_list(const Shape& s) { return {s.begin(), s.end()}; }

}  // namespace

void bind_rearrange(py::module_& m, TensorClass& cls) {
  m.def("flip", [](const Tensor& t, py::handle dims) { return flip(t, int_list(dims, "flip", "dims")); },
        py::arg("input"), py::arg("dims"));
  def_sizes_method(cls, "flip", "dims", [](const Tensor& t, const Shape& s) { return flip(t, as_list(s)); });
  def_both(m, cls, "fliplr", &fliplr);
  def_both(m, cls, "flipud", &flipud);
  def_both(m, cls, "roll", [](const Tensor& t, py::handle shifts, py::handle dims) {
    std::vector<int64_t> dim_list = dims.is_none() ? std::vector<int64_t>{} : int_list(dims, "roll", "dims");
    return roll(t, int_list(shifts, "roll", "shifts"), dim_list);
  }, py::arg("shifts"), py::arg("dims") = py::none());
  def_sizes_method(cls, "repeat", "repeats", [](const Tensor& t, const Shape& s) { return repeat(t, s); });
  m.def("tile", [](const Tensor& t, py::handle dims) {
    std::vector<int64_t> d = int_list(dims, "tile", "dims");
    return tile(t, Shape(d.begin(), d.end()));
  }, py::arg("input"), py::arg("dims"));
  def_sizes_method(cls, "tile", "dims", [](const Tensor& t, const Shape& s) { return tile(t, s); });
  def_both(m, cls, "tril", &tril, py::arg("diagonal") = 0);
  def_both(m, cls, "triu", &triu, py::arg("diagonal") = 0);
  cls.def("tril_", [](const Tensor& t, int64_t diagonal) { tril_(t, diagonal); return t; }, py::arg("diagonal") = 0);
  cls.def("triu_", [](const Tensor& t, int64_t diagonal) { triu_(t, diagonal); return t; }, py::arg("diagonal") = 0);
  // dtype: int64 (the default) or int32, as PyTorch allows.
  for (bool lower : {true, false}) {
    m.def(lower ? "tril_indices" : "triu_indices", [lower](int64_t row, int64_t col, int64_t offset, py::handle dtype,
                                                           py::handle device) {
      const char* op = lower ? "tril_indices" : "triu_indices";
      const DType dt = to_dtype(dtype, DType::Int64);
      CR_CHECK(dt == DType::Int64 || dt == DType::Int32, TypeError, op, ": dtype must be int64 or int32");
      check_device_available(to_device(device), op);
      return cr::to_dtype(lower ? tril_indices(row, col, offset) : triu_indices(row, col, offset), dt);
    }, py::arg("row"), py::arg("col"), py::arg("offset") = 0, py::kw_only(), py::arg("dtype") = py::none(),
       py::arg("device") = py::none());
  }
}

}  // namespace cr::bind
