// Reductions and softmax in Python, as Tensor methods and chainrule functions with PyTorch's
// signatures: sum/prod/mean, max/min (values and indices as chainrule.return_types.max/min),
// amax/amin, argmax/argmin, all/any, var/std (correction= or the older unbiased=), norm,
// logsumexp, cumsum, softmax and log_softmax.
#include "bindings/bindings.h"
#include "bindings/dim_args.h"
#include "bindings/gil.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"
#include "ops/softmax.h"

namespace cr::bind {

namespace {

// t.max(), t.max(dim, keepdim) -> (values, indices), t.max(other) -> maximum.
py::object extreme(const Tensor& t, py::handle dim, bool keepdim, py::handle other, bool is_max) {
  const char* op = is_max ? "max" : "min";
  if (!other.is_none() || is_tensor(dim)) {
    CR_CHECK(other.is_none() || dim.is_none(), TypeError, op, ": pass either dim or other, not both");
    py::handle o = other.is_none() ? dim : other;
    CR_CHECK(is_tensor(o), TypeError, op, ": other must be a tensor, got ", type_name(o));
    const Tensor other_t = o.cast<Tensor>();
    return py::cast(run_without_gil(
        [&] { return binary(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, t, other_t); }, t, other_t));
  }
  if (dim.is_none()) {
    CR_CHECK(!keepdim, TypeError, op, ": keepdim=True needs a dim");
    return py::cast(run_without_gil([&] { return is_max ? max_all(t) : min_all(t); }, t));
  }
  const int64_t d = *optional_dim_arg(dim, op);
  return values_indices(run_without_gil([&] { return is_max ? max_dim(t, d, keepdim) : min_dim(t, d, keepdim); }, t), op);
}

// var/std accept (dim=None, *, correction=1, keepdim=False) and the older forms (unbiased) and
// (dim, unbiased, keepdim), positionally or by keyword, as PyTorch does.
struct VarianceArgs {
  DimList dims;
  double correction = 1;
  bool keepdim = false;
};

VarianceArgs variance_args(const py::args& args, const py::kwargs& kwargs, const char* op) {
  VarianceArgs out;
  bool have_dim = false, have_unbiased = false, have_keepdim = false;
  auto take_unbiased = [&](py::handle v) {
    CR_CHECK(PyBool_Check(v.ptr()), TypeError, op, ": unbiased must be a bool, got ", type_name(v));
    out.correction = v.cast<bool>() ? 1 : 0;
    have_unbiased = true;
  };
  if (args.size() == 1 && PyBool_Check(args[0].ptr())) {
    take_unbiased(args[0]);
  } else {
    CR_CHECK(args.size() <= 3, TypeError, op, ": takes at most 3 positional arguments (dim, unbiased, keepdim), got ",
             args.size());
    if (args.size() >= 1) out.dims = dims_arg(args[0], op), have_dim = true;
    if (args.size() >= 2) take_unbiased(args[1]);
    if (args.size() == 3) out.keepdim = args[2].cast<bool>(), have_keepdim = true;
  }
  for (auto kv : kwargs) {
    const std::string key = kv.first.cast<std::string>();
    auto once = [&](bool& seen) {
      CR_CHECK(!seen, TypeError, op, ": got multiple values for argument '", key, "'");
      seen = true;
    };
    if (key == "dim") {
      once(have_dim);
      out.dims = dims_arg(kv.second, op);
    } else if (key == "keepdim") {
      once(have_keepdim);
      out.keepdim = kv.second.cast<bool>();
    } else if (key == "unbiased") {
      CR_CHECK(!have_unbiased, TypeError, op, ": got multiple values for argument 'unbiased'");
      take_unbiased(kv.second);
    } else if (key == "correction") {
      CR_CHECK(!have_unbiased, TypeError, op, ": pass either unbiased or correction, not both");
      if (!kv.second.is_none()) out.correction = to_scalar(kv.second, op).as_double();
    } else {
      CR_FAIL(TypeError, op, ": unexpected keyword argument '", key, "'");
    }
  }
  return out;
}

// PyTorch's UserWarning when the correction leaves no degrees of freedom (each result is then nan or inf), as for
// ProGAN's minibatch std over a batch of one.
void warn_if_no_degrees_of_freedom(const Tensor& t, const VarianceArgs& a, const char* op) {
  const uint32_t mask = reduced_dims_mask(t, a.dims, op);
  int64_t count = 1;
  for (int64_t d = 0; d < t->dim(); ++d) {
    if (mask >> d & 1) count *= t->size(d);
  }
  if (static_cast<double>(count) - a.correction > 0) return;
  const std::string message = std::string(op) +
      "(): degrees of freedom is <= 0. Correction should be strictly less than the reduction factor (input numel "
      "divided by output numel).";
  if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 1) != 0) throw py::error_already_set();
}

// p = 'fro' (the 2-norm of the flattened dims), a number, inf or -inf.
double norm_order(py::handle p) {
  if (py::isinstance<py::str>(p)) {
    const std::string name = p.cast<std::string>();
    CR_CHECK(name == "fro", ValueError, "norm: p must be 'fro' or a number, got '", name, "'",
             name == "nuc" ? " (the nuclear norm is not supported)" : "");
    return 2;
  }
  return to_scalar(p, "norm").as_double();
}

Tensor norm_py(const Tensor& t, py::handle p, py::handle dim, bool keepdim, py::handle dtype) {
  const auto dt = to_optional_dtype(dtype);
  const double order = norm_order(p);
  const DimList dims = dims_arg(dim, "norm");
  return run_without_gil([&] { return norm(dt ? cr::to_dtype(t, *dt) : t, order, dims, keepdim); }, t);
}

using SumLike = Tensor (*)(const Tensor&, const DimList&, bool, std::optional<DType>);

}  // namespace

py::object values_indices(const ValuesIndices& r, const char* name) {
  static PyObject* module = py::module_::import("chainrule.return_types").release().ptr();
  return py::reinterpret_borrow<py::object>(module).attr(name)(r.values, r.indices);
}

void bind_reduce(py::module_& m, TensorClass& cls) {
  // prod also takes a tuple of dims, which PyTorch's does not (docs/from_pytorch.md).
  const std::pair<const char*, SumLike> sum_like[] = {{"sum", &sum}, {"prod", &prod}, {"mean", &mean}};
  for (const auto& [name, fn] : sum_like) {
    const char* op = name;
    SumLike f = fn;
    def_both(m, cls, name, [op, f](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
      const DimList dims = dims_arg(dim, op);
      const auto dt = to_optional_dtype(dtype);
      return run_without_gil([&] { return f(t, dims, keepdim, dt); }, t);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  }

  for (bool is_max : {true, false}) {
    def_both(m, cls, is_max ? "max" : "min", [is_max](const Tensor& t, py::handle dim, bool keepdim, py::handle other) {
      return extreme(t, dim, keepdim, other, is_max);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("other") = py::none());
    def_both(m, cls, is_max ? "amax" : "amin", [is_max](const Tensor& t, py::handle dim, bool keepdim) {
      const char* op = is_max ? "amax" : "amin";
      const DimList dims = dims_arg(dim, op);
      return run_without_gil([&] { return is_max ? amax(t, dims, keepdim) : amin(t, dims, keepdim); }, t);
    }, py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
    def_both(m, cls, is_max ? "argmax" : "argmin", [is_max](const Tensor& t, py::handle dim, bool keepdim) {
      const char* op = is_max ? "argmax" : "argmin";
      const auto d = optional_dim_arg(dim, op);
      return run_without_gil([&] { return is_max ? argmax(t, d, keepdim) : argmin(t, d, keepdim); }, t);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  for (bool is_all : {true, false}) {
    const char* op = is_all ? "all" : "any";
    def_both(m, cls, op, [is_all, op](const Tensor& t, py::handle dim, bool keepdim) {
      const DimList dims = dims_arg(dim, op);
      return run_without_gil([&] { return is_all ? all(t, dims, keepdim) : any(t, dims, keepdim); }, t);
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  for (bool is_std : {false, true}) {
    auto f = [is_std](const Tensor& t, const py::args& args, const py::kwargs& kwargs) {
      const char* op = is_std ? "std" : "var";
      const VarianceArgs a = variance_args(args, kwargs, op);
      Tensor out = run_without_gil(
          [&] { return is_std ? std_dev(t, a.dims, a.correction, a.keepdim) : var(t, a.dims, a.correction, a.keepdim); }, t);
      warn_if_no_degrees_of_freedom(t, a, op);
      return out;
    };
    cls.def(is_std ? "std" : "var", f);
    m.def(is_std ? "std" : "var", f, py::arg("input"));
  }

  def_both(m, cls, "norm", &norm_py, py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false,
           py::arg("dtype") = py::none());
  def_both(m, cls, "logsumexp", [](const Tensor& t, py::handle dim, bool keepdim) {
    const DimList dims = dims_arg(dim, "logsumexp");
    return run_without_gil([&] { return logsumexp(t, dims, keepdim); }, t);
  }, py::arg("dim"), py::arg("keepdim") = false);
  def_both(m, cls, "cumsum", [](const Tensor& t, py::handle dim, py::handle dtype) {
    const int64_t d = dim_arg(dim, "cumsum");
    const auto dt = to_optional_dtype(dtype);
    return run_without_gil([&] { return cumsum(t, d, dt); }, t);
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());

  // The same reading of a single dim for the ops written in Python (cumprod, ...).
  m.def("_dim_arg", [](py::handle dim, const std::string& op) { return dim_arg(dim, op.c_str()); });

  def_both(m, cls, "softmax", [](const Tensor& t, py::handle dim, py::handle dtype) {
    const int64_t d = dim_arg(dim, "softmax");
    const auto dt = to_optional_dtype(dtype);
    return run_without_gil([&] { return softmax(t, d, dt); }, t);
  }, py::arg("dim"), py::arg("dtype") = py::none());
  def_both(m, cls, "log_softmax", [](const Tensor& t, py::handle dim, py::handle dtype) {
    const int64_t d = dim_arg(dim, "log_softmax");
    const auto dt = to_optional_dtype(dtype);
    return run_without_gil([&] { return log_softmax(t, d, dt); }, t);
  }, py::arg("dim"), py::arg("dtype") = py::none());
}

}  // namespace cr::bind
