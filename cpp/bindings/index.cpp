// Indexing in Python: __getitem__/__setitem__ (the Python index object is parsed here into
// TensorIndex entries; ops/index.cpp does the work), nonzero, masked_fill/masked_select, and the
// gather/scatter family as Tensor methods and chainrule functions.
#include <algorithm>

#include <pybind11/numpy.h>

#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "bindings/gil.h"
#include "ops/creation.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/index.h"
#include "ops/view.h"

namespace cr::bind {

namespace {

[[noreturn]] void invalid_index(py::handle obj) {
  CR_FAIL(IndexError, "only integers, slices (`:`), ellipsis (`...`), None, bools and int64 or bool tensors ",
          "(or lists/ranges/NumPy arrays of ints or bools) are valid indices (got ",
          py::str(py::type::of(obj).attr("__name__")).cast<std::string>(), ")");
}

// A list or NumPy array of ints or bools as an int64 or bool tensor.
Tensor sequence_to_tensor(py::handle obj) {
  py::module_ np = py::module_::import("numpy");
  py::array arr = np.attr("asarray")(obj);
  if (arr.size() == 0 && arr.dtype().kind() == 'f') arr = np.attr("zeros")(arr.attr("shape"), "int64");
  const char kind = arr.dtype().kind();
  if (kind != 'b' && kind != 'i' && kind != 'u') invalid_index(obj);
  py::array typed = arr.attr("astype")(kind == 'b' ? "bool" : "int64", "C");  // keeps 0-d arrays 0-d
  return py::module_::import("chainrule._C").attr("from_numpy")(typed).cast<Tensor>();
}

// None, or an int through __index__ (far-out values clamp; they are out of any range anyway).
std::optional<int64_t> optional_index_int(py::handle v) {
  if (v.is_none()) return std::nullopt;
  CR_CHECK(PyIndex_Check(v.ptr()), TypeError, "indices must be integers or None, got ",
           py::str(py::type::of(v).attr("__name__")).cast<std::string>());
  py::object i = py::reinterpret_steal<py::object>(PyNumber_Index(v.ptr()));
  if (!i) throw py::error_already_set();
  int overflow = 0;
  long long x = PyLong_AsLongLongAndOverflow(i.ptr(), &overflow);
  if (overflow) return overflow > 0 ? INT64_MAX : INT64_MIN + 1;  // clamped like any far-out bound
  return static_cast<int64_t>(x);
}

// A tensor index; a uint8 one is a mask, as in PyTorch, which warns that this is deprecated.
TensorIndex tensor_index(const Tensor& t) {
  if (t->dtype() != DType::UInt8) return TensorIndex::make_tensor(t);
  if (PyErr_WarnEx(PyExc_UserWarning, "indexing with dtype chainrule.uint8 is now deprecated, please use a dtype "
                                      "chainrule.bool instead.", 1) != 0) {
    throw py::error_already_set();
  }
  return TensorIndex::make_tensor(to_dtype(t, DType::Bool));
}

TensorIndex to_index(py::handle obj) {
  if (obj.is_none()) return TensorIndex::make_none();
  if (obj.ptr() == Py_Ellipsis) return TensorIndex::make_ellipsis();
  if (is_tensor(obj)) return tensor_index(obj.cast<Tensor>());
  if (PySlice_Check(obj.ptr())) {
    auto step = optional_index_int(obj.attr("step"));
    return TensorIndex::make_slice(optional_index_int(obj.attr("start")), optional_index_int(obj.attr("stop")), step.value_or(1));
  }
  if (auto s = as_scalar(obj)) {
    if (s->kind == Scalar::Kind::Bool) return TensorIndex::make_bool(s->i != 0);
    if (s->kind == Scalar::Kind::Int) return TensorIndex::make_int(s->i);
    invalid_index(obj);
  }
  // a range is a sequence of ints to PyTorch too (x[range(n), labels] = ...)
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj) || py::isinstance<py::array>(obj) ||
      PyRange_Check(obj.ptr())) {
    return TensorIndex::make_tensor(sequence_to_tensor(obj));
  }
  if (PyIndex_Check(obj.ptr())) return TensorIndex::make_int(*optional_index_int(obj));
  invalid_index(obj);
}

std::vector<TensorIndex> to_indices(py::handle obj) {
  std::vector<TensorIndex> out;
  if (py::isinstance<py::tuple>(obj)) {
    for (py::handle item : obj) out.push_back(to_index(item));
  } else {
    out.push_back(to_index(obj));
  }
  return out;
}

// The indices of `key` into t; a lone number or slice into a 0-d tensor is PyTorch's IndexError that points at
// item() (old code's loss.data[0]) rather than the general "too many indices".
std::vector<TensorIndex> indices_into(const Tensor& t, py::handle key) {
  if (t->dim() == 0) {
    CR_CHECK(!PySlice_Check(key.ptr()), IndexError, "slice() cannot be applied to a 0-dim tensor.");
    CR_CHECK(is_tensor(key) || PyBool_Check(key.ptr()) || !PyIndex_Check(key.ptr()), IndexError,
             "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in C++ to "
             "convert a 0-dim tensor to a number");
  }
  return to_indices(key);
}

// PyTorch's setitem drops the value's leading size-1 dims before broadcasting it (index_put_ does
// not), so that x[0] = v takes a v of shape (1,) or (1, n), a row sliced out with its dim kept.
Tensor without_leading_ones(Tensor value) {
  while (value->dim() > 0 && value->size(0) == 1) value = squeeze(value, 0);
  return value;
}

void setitem(const Tensor& self, py::handle key, py::handle value) {
  std::vector<TensorIndex> indices = indices_into(self, key);
  if (auto s = as_scalar(value)) {
    index_put_(self, indices, *s);
  } else if (is_tensor(value)) {
    index_put_(self, indices, without_leading_ones(value.cast<Tensor>()));
  } else {
    Tensor v = py::module_::import("chainrule").attr("tensor")(value).cast<Tensor>();
    index_put_(self, indices, without_leading_ones(v));
  }
}

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

py::object nonzero_any(const Tensor& t, bool as_tuple) {
  if (as_tuple) return to_tuple(nonzero_tuple(t));
  return py::cast(nonzero(t));
}

// scatter(dim, index, src) or scatter(dim, index, value=...): exactly one of src/value.
template <typename TensorFn, typename ScalarFn>
py::object scatter_any(const char* op, py::handle src, py::handle value, const TensorFn& with_tensor,
                       const ScalarFn& with_scalar) {
  CR_CHECK(src.is_none() != value.is_none(), TypeError, op, ": pass exactly one of src (a tensor) or value (a number)");
  py::handle given = src.is_none() ? value : src;
  if (is_tensor(given)) return py::cast(with_tensor(given.cast<Tensor>()));
  return py::cast(with_scalar(to_scalar(given, op)));
}

// scatter(..., reduce="add" | "multiply"), PyTorch's older reductions: scatter_add of src, or
// scatter_reduce(..., "prod") (chainrule._functions.scatter_reduce); a value is spread to index's
// shape first.
Tensor scatter_reduced(const Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value,
                       const std::string& reduce, const char* op) {
  CR_CHECK(reduce == "add" || reduce == "multiply", RuntimeError, op, ": reduce argument must be either add or multiply, got '",
           reduce, "'");
  const Tensor spread = scatter_any(op, src, value, [](const Tensor& s) { return s; }, [&](const Scalar& v) {
    return full(index->sizes(), v, t->dtype(), t->device());
  }).cast<Tensor>();
  if (reduce == "add") return scatter_add(t, dim, index, spread);
  py::object prod = py::module_::import("chainrule._functions.scatter_reduce").attr("scatter_reduce");
  return prod(t, dim, index, spread, "prod").cast<Tensor>();
}

// index_put_'s indices: a tensor (int64, or a bool or uint8 mask) per dim, None keeping a dim whole.
std::vector<TensorIndex> put_indices(const py::sequence& seq) {
  std::vector<TensorIndex> out;
  for (py::handle h : seq) {
    CR_CHECK(h.is_none() || is_tensor(h), TypeError, "index_put_: indices must be tensors or None, got ",
             py::str(py::type::of(h).attr("__name__")).cast<std::string>());
    out.push_back(h.is_none() ? TensorIndex::make_slice(std::nullopt, std::nullopt)
                              : tensor_index(h.cast<Tensor>()));
  }
  return out;
}

// f(t, dim, rest...) run without the GIL (as heavy), its dim read from Python by dim_arg: a
// tuple is a TypeError naming op, not pybind11's list of signatures.
template <typename R, typename... Rest>
auto with_python_dim(const char* op, R (*f)(const Tensor&, int64_t, Rest...)) {
  auto run = without_gil(f);
  return [op, run](const Tensor& t, py::handle dim, Rest... rest) { return run(t, dim_arg(dim, op), rest...); };
}

}  // namespace

void bind_index(py::module_& m, TensorClass& cls) {
  auto scatter_fn = [](const Tensor& t, py::handle dim_obj, const Tensor& index, py::handle src, py::handle value,
                       std::optional<std::string> reduce) {
    const int64_t dim = dim_arg(dim_obj, "scatter");
    if (reduce) return py::cast(scatter_reduced(t, dim, index, src, value, *reduce, "scatter"));
    return scatter_any("scatter", src, value, [&](const Tensor& s) { return scatter(t, dim, index, s); },
                       [&](const Scalar& v) { return scatter(t, dim, index, v); });
  };
  auto scatter_in_place = [](const Tensor& t, py::handle dim_obj, const Tensor& index, py::handle src,
                             py::handle value, std::optional<std::string> reduce) {
    const int64_t dim = dim_arg(dim_obj, "scatter_");
    if (reduce) {
      copy_(t, scatter_reduced(t, dim, index, src, value, *reduce, "scatter_"));
      return t;
    }
    scatter_any("scatter_", src, value, [&](const Tensor& s) { scatter_(t, dim, index, s); return t; },
                [&](const Scalar& v) { scatter_(t, dim, index, v); return t; });
    return t;
  };
  auto gather_fn = with_python_dim("gather", &gather);
  auto scatter_add_fn = with_python_dim("scatter_add", &scatter_add);
  auto index_select_fn = with_python_dim("index_select", &index_select);
  auto index_add_fn = [](const Tensor& t, py::handle dim, const Tensor& index, const Tensor& source, py::handle alpha) {
    return index_add(t, dim_arg(dim, "index_add"), index, source, to_scalar(alpha, "index_add"));
  };
  // value: a number, or a 0-d tensor; one that requires grad gets its gradient through where().
  auto masked_fill_fn = [](const Tensor& t, const Tensor& mask, py::handle v) {
    if (is_tensor(v) && v.cast<Tensor>()->requires_grad()) {
      Tensor value = v.cast<Tensor>();
      CR_CHECK(value->dim() == 0, ValueError, "masked_fill: value must be a number or a 0-d tensor, got shape ",
               value->sizes());
      CR_CHECK(mask->dtype() == DType::Bool, DTypeError, "masked_fill: mask must be a bool tensor, got ",
               dtype_name(mask->dtype()));
      return where(mask, to_dtype(value, t->dtype()), t);
    }
    return masked_fill(t, mask, to_scalar(v, "masked_fill"));
  };

  // Basic indexing makes a view (no work); a tensor index gathers, and may run without the GIL.
  cls.def("__getitem__", [](const Tensor& t, py::handle key) {
        const auto indices = indices_into(t, key);
        const bool gathers = std::any_of(indices.begin(), indices.end(),
                                         [](const TensorIndex& i) { return i.kind == TensorIndex::Kind::Tensor; });
        return run_without_gil([&] { return index(t, indices); }, Elements{gathers ? t->numel() : 0});
      })
      .def("__setitem__", &setitem)
      .def("nonzero", &nonzero_any, py::kw_only(), py::arg("as_tuple") = false)
      .def("masked_fill", masked_fill_fn, py::arg("mask"), py::arg("value"))
      .def("masked_fill_", [masked_fill_fn](const Tensor& t, const Tensor& mask, py::handle v) {
        if (is_tensor(v) && v.cast<Tensor>()->requires_grad()) copy_(t, masked_fill_fn(t, mask, v));
        else masked_fill_(t, mask, to_scalar(v, "masked_fill_"));
        return t;
      }, py::arg("mask"), py::arg("value"))
      .def("masked_select", without_gil(&masked_select), py::arg("mask"))
      .def("gather", gather_fn, py::arg("dim"), py::arg("index"))
      .def("scatter", scatter_fn, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(),
           py::arg("value") = py::none(), py::arg("reduce") = py::none())
      .def("scatter_", scatter_in_place, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(),
           py::kw_only(), py::arg("value") = py::none(), py::arg("reduce") = py::none())
      .def("scatter_add", scatter_add_fn, py::arg("dim"), py::arg("index"), py::arg("src"))
      .def("scatter_add_", with_python_dim("scatter_add_", +[](const Tensor& t, int64_t dim, const Tensor& index,
                                                               const Tensor& src) {
        scatter_add_(t, dim, index, src);
        return t;
      }), py::arg("dim"), py::arg("index"), py::arg("src"))
      .def("index_select", index_select_fn, py::arg("dim"), py::arg("index"))
      .def("index_add", index_add_fn, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(),
           py::arg("alpha") = 1)
      .def("index_add_", [](const Tensor& t, py::handle dim, const Tensor& index, const Tensor& source,
                            py::handle alpha) {
        index_add_(t, dim_arg(dim, "index_add_"), index, source, to_scalar(alpha, "index_add_"));
        return t;
      }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1)
      .def("index_put_", [](const Tensor& t, const py::sequence& indices, const Tensor& values, bool accumulate) {
        index_put_(t, put_indices(indices), values, accumulate);
        return t;
      }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false)
      .def("take", without_gil(&take), py::arg("index"));

  m.def("nonzero", &nonzero_any, py::arg("input"), py::kw_only(), py::arg("as_tuple") = false);
  // where(condition) alone is nonzero(condition, as_tuple=True), as in PyTorch (where(c, a, b): elementwise.cpp).
  m.def("where", [](const Tensor& condition) { return nonzero_any(condition, true); }, py::arg("condition"));
  m.def("masked_fill", masked_fill_fn, py::arg("input"), py::arg("mask"), py::arg("value"));
  m.def("masked_select", without_gil(&masked_select), py::arg("input"), py::arg("mask"));
  m.def("gather", gather_fn, py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("scatter", scatter_fn, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src") = py::none(),
        py::kw_only(), py::arg("value") = py::none(), py::arg("reduce") = py::none());
  m.def("scatter_add", scatter_add_fn, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("src"));
  m.def("index_select", index_select_fn, py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("index_add", index_add_fn, py::arg("input"), py::arg("dim"), py::arg("index"), py::arg("source"),
        py::kw_only(), py::arg("alpha") = 1);
  m.def("take", without_gil(&take), py::arg("input"), py::arg("index"));
  def_both(m, cls, "take_along_dim", without_gil(&take_along_dim), py::arg("indices"), py::arg("dim") = py::none());
}

}  // namespace cr::bind
