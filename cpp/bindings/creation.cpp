// Factories with PyTorch's signatures: zeros(*size, out=None, dtype=None, device=None, requires_grad=False)
// (or zeros(size=(2, 3))), full, arange, linspace, eye, randint, each with out= as PyTorch has it.
#include "bindings/bindings.h"
#include "core/default_dtype.h"
#include "ops/copy.h"
#include "ops/creation.h"

namespace cr::bind {

namespace {

// The keywords PyTorch's factories share: out=, dtype=, device=, requires_grad=, and in `layout`
// those that change nothing in chainrule (see with_layout_keywords).
struct FactoryOptions {
  py::handle out, dtype, device;
  bool requires_grad;
  const py::kwargs& layout;
};

// PyTorch's factory keywords that change nothing in chainrule: layout= (None or chainrule.strided,
// its one layout), memory_format= (channels_last lays the result out NHWC) and pin_memory=
// (True pins the result, as Tensor.pin_memory() does). TypeError for any other keyword, as Python's.
py::object with_layout_keywords(py::object result, const py::kwargs& keywords, const char* op) {
  bool pin = false;
  py::module_ surface = py::module_::import("chainrule._tensor_surface");
  for (auto [key, value] : keywords) {
    const std::string name = py::str(key);
    if (name == "layout") {
      CR_CHECK(value.is_none() || value.is(surface.attr("strided")), TypeError, op,
               "(): layout must be chainrule.strided (chainrule's only layout), got ", py::repr(value).cast<std::string>());
    } else if (name == "memory_format") {
      if (!value.is_none()) surface.attr("check_memory_format")(value, result, op);
      if (value.is(surface.attr("channels_last")) || value.is(surface.attr("channels_last_3d"))) {
        result = result.attr("contiguous")(py::arg("memory_format") = value);  // NHWC / NDHWC strides
      }
    } else if (name == "pin_memory") {
      pin = value.cast<bool>();
    } else {
      CR_FAIL(TypeError, op, "() got an unexpected keyword argument '", name, "'");
    }
  }
  return pin ? result.attr("pin_memory")() : result;
}

// make(dtype, device) as a factory's result. With out= given, the result is written into out
// (resized to the result's shape, as PyTorch does) and out returned: its dtype and device are
// the result's, and a dtype= naming another is a RuntimeError, as in PyTorch.
template <typename Make>
py::object make_factory(const FactoryOptions& o, DType fallback, const char* op, const Make& make) {
  if (o.out.is_none()) {
    return with_layout_keywords(
        py::cast(finish_factory(make(to_dtype(o.dtype, fallback), to_device(o.device)), o.requires_grad)), o.layout, op);
  }
  CR_CHECK(is_tensor(o.out), TypeError, op, "(): argument 'out' must be Tensor, not ", Py_TYPE(o.out.ptr())->tp_name);
  const Tensor target = o.out.cast<Tensor>();
  const DType dtype = to_dtype(o.dtype, target->dtype());
  CR_CHECK(dtype == target->dtype(), RuntimeError, op, "(): dtype ", dtype_name(dtype),
           " does not match dtype of out parameter (", dtype_name(target->dtype()), ")");
  CR_CHECK(!o.requires_grad && !target->requires_grad(), RuntimeError, op,
           "(): functions with out=... arguments don't support automatic differentiation, but one of the "
           "arguments requires grad.");
  const Tensor result = make(dtype, target->device());
  if (target->sizes() != result->sizes()) o.out.attr("resize_")(result->sizes());
  run_without_gil([&] { copy_(target, result); return 0; }, result);
  return with_layout_keywords(py::reinterpret_borrow<py::object>(o.out), o.layout, op);
}

// f(*size, out=None, dtype=None, device=None, requires_grad=False) (also f(size=...)) for a factory
// of (sizes, dtype, device).
template <typename Make>
void def_sized_factory(py::module_& m, const char* name, Make make, const char* doc) {
  m.def(name, [name, make](py::args size, py::handle size_kw, py::handle out, py::handle dtype, py::handle device,
                           bool requires_grad, const py::kwargs& layout) {
    Shape sizes = sizes_from_args(size, size_kw, name, "size");
    return make_factory({out, dtype, device, requires_grad, layout}, default_float_dtype(), name,
                        [&](DType t, Device d) { return make(sizes, t, d); });
  }, py::arg("size") = py::none(), py::arg("out") = py::none(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false, doc);
  std::string like = std::string(name) + "_like";
  m.def(like.c_str(), [make, like](const Tensor& t, py::object dtype, py::object device, bool requires_grad,
                                   const py::kwargs& layout) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    return with_layout_keywords(py::cast(finish_factory(make(t->sizes(), to_dtype(dtype, t->dtype()), dev), requires_grad)),
                                layout, like.c_str());
  }, py::arg("input"), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

// rand/randn(*size, generator=None, out=None, dtype=None, device=None, requires_grad=False) (also
// rand(size=...)) and their _like forms.
template <typename Draw>
void def_random_factory(py::module_& m, const char* name, Draw draw, const char* doc) {
  m.def(name, [name, draw](py::args size, py::handle size_kw, py::handle generator, py::handle out, py::handle dtype,
                           py::handle device, bool requires_grad, const py::kwargs& layout) {
    Shape sizes = sizes_from_args(size, size_kw, name, "size");
    return make_factory({out, dtype, device, requires_grad, layout}, default_float_dtype(), name, [&](DType t, Device d) {
      return with_generator(generator, [&](Generator& g) { return draw(sizes, t, d, g); }, elements_of(sizes));
    });
  }, py::arg("size") = py::none(), py::arg("generator") = py::none(), py::arg("out") = py::none(),
     py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false, doc);
  std::string like = std::string(name) + "_like";
  m.def(like.c_str(), [draw, like](const Tensor& t, py::object dtype, py::object device, bool requires_grad,
                                   const py::kwargs& layout) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    Tensor drawn = draw(t->sizes(), to_dtype(dtype, t->dtype()), dev, Generator::global());
    return with_layout_keywords(py::cast(finish_factory(drawn, requires_grad)), layout, like.c_str());
  }, py::arg("input"), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

}  // namespace

void bind_creation(py::module_& m) {
  def_sized_factory(m, "zeros", [](const Shape& s, DType t, Device d) { return zeros(s, t, d); }, "A tensor of zeros.");
  def_sized_factory(m, "ones", [](const Shape& s, DType t, Device d) { return ones(s, t, d); }, "A tensor of ones.");
  def_sized_factory(m, "empty", [](const Shape& s, DType t, Device d) {
    for (int64_t v : s) CR_CHECK(v >= 0, ValueError, "empty: sizes must be non-negative, got ", s);
    return TensorImpl::empty(s, t, d);
  }, "A tensor with uninitialized values.");
  def_random_factory(m, "rand", [](const Shape& s, DType t, Device d, Generator& g) { return rand(s, t, d, g); },
                     "Uniform samples from [0, 1).");
  def_random_factory(m, "randn", [](const Shape& s, DType t, Device d, Generator& g) { return randn(s, t, d, g); },
                     "Samples from the standard normal distribution.");

  m.def("full", [](const Shape& size, py::handle fill, py::handle out, py::handle dtype, py::handle device,
                   bool requires_grad, const py::kwargs& layout) {
    Scalar v = to_scalar(fill, "full");
    return make_factory({out, dtype, device, requires_grad, layout}, v.default_dtype(), "full",
                        [&](DType t, Device d) { return full(size, v, t, d); });
  }, py::arg("size"), py::arg("fill_value"), py::kw_only(), py::arg("out") = py::none(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("full_like", [](const Tensor& t, py::handle fill, py::object dtype, py::object device, bool requires_grad) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    return finish_factory(full(t->sizes(), to_scalar(fill, "full_like"), to_dtype(dtype, t->dtype()), dev), requires_grad);
  }, py::arg("input"), py::arg("fill_value"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);

  m.def("arange", [](py::handle a, py::handle b, py::handle step, py::handle out, py::handle dtype, py::handle device,
                     bool requires_grad, const py::kwargs& layout) {
    // arange(end), arange(start, end, step) or arange(end=...), as in PyTorch.
    CR_CHECK(!a.is_none() || !b.is_none(), TypeError, "arange() missing 1 required positional arguments: \"end\"");
    Scalar start = b.is_none() || a.is_none() ? Scalar(int64_t{0}) : to_scalar(a, "arange");
    Scalar end = b.is_none() ? to_scalar(a, "arange") : to_scalar(b, "arange");
    Scalar by = to_scalar(step, "arange");
    const bool integral = !start.is_floating() && !end.is_floating() && !by.is_floating();  // as PyTorch
    return make_factory({out, dtype, device, requires_grad, layout}, integral ? DType::Int64 : default_float_dtype(), "arange",
                        [&](DType t, Device d) { return arange(start, end, by, t, d); });
  }, py::arg("start") = py::none(), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
     py::arg("out") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false, "arange(end) or arange(start, end, step): values in [start, end).");
  m.def("linspace", [](double start, double end, int64_t steps, py::handle out, py::handle dtype, py::handle device,
                       bool requires_grad, const py::kwargs& layout) {
    return make_factory({out, dtype, device, requires_grad, layout}, default_float_dtype(), "linspace",
                        [&](DType t, Device d) { return linspace(start, end, steps, t, d); });
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("out") = py::none(),
     py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, py::handle out, py::handle dtype, py::handle device,
                  bool requires_grad, const py::kwargs& layout) {
    return make_factory({out, dtype, device, requires_grad, layout}, default_float_dtype(), "eye",
                        [&](DType t, Device d) { return eye(n, cols, t, d); });
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("out") = py::none(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("randint", [](py::handle low, py::handle high, py::handle size, py::handle generator, py::handle out,
                      py::handle dtype, py::handle device, bool requires_grad, const py::kwargs& layout) {
    // randint(high, size), randint(low, high, size) or any of them by keyword, as in PyTorch.
    if (size.is_none()) std::tie(low, high, size) = std::make_tuple(py::handle(py::none()), low, high);
    else if (high.is_none()) std::tie(low, high) = std::make_tuple(py::handle(py::none()), low);
    CR_CHECK(!high.is_none() && !size.is_none(), TypeError,
             "randint(): expected randint(high, size) or randint(low, high, size)");
    const int64_t lo = low.is_none() ? 0 : low.cast<int64_t>(), hi = high.cast<int64_t>();
    const Shape sizes = py::cast<Shape>(size);
    return make_factory({out, dtype, device, requires_grad, layout}, DType::Int64, "randint", [&](DType t, Device d) {
      return with_generator(generator, [&](Generator& g) { return randint(lo, hi, sizes, t, d, g); });
    });
  }, py::arg("low") = py::none(), py::arg("high") = py::none(), py::arg("size") = py::none(), py::kw_only(),
     py::arg("generator") = py::none(), py::arg("out") = py::none(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("scalar_tensor", [](py::handle v, py::object dtype, py::handle device) {
    Scalar s = to_scalar(v, "scalar_tensor");
    return scalar_tensor(s, to_dtype(dtype, default_float_dtype()), to_device(device));
  }, py::arg("s"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
}

}  // namespace cr::bind
