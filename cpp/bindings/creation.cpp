// Factories with PyTorch's signatures: zeros(*size, dtype=None, device=None, requires_grad=False), ...
#include "bindings/bindings.h"
#include "core/default_dtype.h"
#include "ops/creation.h"

namespace cr::bind {

namespace {

// f(*size, dtype=None, device=None, requires_grad=False) for a factory of (sizes, dtype, device).
template <typename Make>
void def_sized_factory(py::module_& m, const char* name, Make make, const char* doc) {
  m.def(name, [name, make](py::args size, py::object dtype, py::object device, bool requires_grad) {
    Shape sizes = sizes_from_args(size, name);
    return finish_factory(make(sizes, to_dtype(dtype, default_float_dtype()), to_device(device)), requires_grad);
  }, py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false, doc);
  std::string like = std::string(name) + "_like";
  m.def(like.c_str(), [make](const Tensor& t, py::object dtype, py::object device, bool requires_grad) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    return finish_factory(make(t->sizes(), to_dtype(dtype, t->dtype()), dev), requires_grad);
  }, py::arg("input"), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
}

// rand/randn(*size, generator=None, dtype=None, device=None, requires_grad=False) and their _like forms.
template <typename Draw>
void def_random_factory(py::module_& m, const char* name, Draw draw, const char* doc) {
  m.def(name, [name, draw](py::args size, py::handle generator, py::object dtype, py::object device,
                           bool requires_grad) {
    Shape sizes = sizes_from_args(size, name);
    DType t = to_dtype(dtype, default_float_dtype());
    Device d = to_device(device);
    Tensor out = with_generator(generator, [&](Generator& g) { return draw(sizes, t, d, g); }, elements_of(sizes));
    return finish_factory(out, requires_grad);
  }, py::kw_only(), py::arg("generator") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false, doc);
  std::string like = std::string(name) + "_like";
  m.def(like.c_str(), [draw](const Tensor& t, py::object dtype, py::object device, bool requires_grad) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    return finish_factory(draw(t->sizes(), to_dtype(dtype, t->dtype()), dev, Generator::global()), requires_grad);
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

  m.def("full", [](const Shape& size, py::handle fill, py::object dtype, py::object device, bool requires_grad) {
    Scalar v = to_scalar(fill, "full");
    return finish_factory(full(size, v, to_dtype(dtype, v.default_dtype()), to_device(device)), requires_grad);
  }, py::arg("size"), py::arg("fill_value"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);
  m.def("full_like", [](const Tensor& t, py::handle fill, py::object dtype, py::object device, bool requires_grad) {
    Device dev = device.is_none() ? t->device() : to_device(device);
    return finish_factory(full(t->sizes(), to_scalar(fill, "full_like"), to_dtype(dtype, t->dtype()), dev), requires_grad);
  }, py::arg("input"), py::arg("fill_value"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false);

  m.def("arange", [](py::handle a, py::object b, py::handle step, py::object dtype, py::object device,
                     bool requires_grad) {
    Scalar start = b.is_none() ? Scalar(int64_t{0}) : to_scalar(a, "arange");
    Scalar end = b.is_none() ? to_scalar(a, "arange") : to_scalar(b, "arange");
    return finish_factory(arange(start, end, to_scalar(step, "arange"), to_optional_dtype(dtype), to_device(device)),
                          requires_grad);
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1, py::kw_only(),
     py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false,
     "arange(end) or arange(start, end, step): values in [start, end).");
  m.def("linspace", [](double start, double end, int64_t steps, py::object dtype, py::object device,
                       bool requires_grad) {
    return finish_factory(linspace(start, end, steps, to_dtype(dtype, default_float_dtype()), to_device(device)), requires_grad);
  }, py::arg("start"), py::arg("end"), py::arg("steps"), py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, py::object dtype, py::object device, bool requires_grad) {
    return finish_factory(eye(n, cols, to_dtype(dtype, default_float_dtype()), to_device(device)), requires_grad);
  }, py::arg("n"), py::arg("m") = py::none(), py::kw_only(), py::arg("dtype") = py::none(),
     py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("randint", [](int64_t a, py::object b, py::object c, py::handle generator, py::object dtype, py::object device,
                      bool requires_grad) {
    // randint(high, size) or randint(low, high, size), as in PyTorch.
    bool two = c.is_none();
    CR_CHECK(!b.is_none(), TypeError, "randint: expected randint(high, size) or randint(low, high, size)");
    int64_t low = two ? 0 : a, high = two ? a : b.cast<int64_t>();
    Shape size = py::cast<Shape>(two ? b : c);
    DType t = to_dtype(dtype, DType::Int64);
    Device d = to_device(device);
    return finish_factory(with_generator(generator, [&](Generator& g) { return randint(low, high, size, t, d, g); }),
                          requires_grad);
  }, py::arg("low"), py::arg("high") = py::none(), py::arg("size") = py::none(), py::kw_only(),
     py::arg("generator") = py::none(), py::arg("dtype") = py::none(), py::arg("device") = py::none(), py::arg("requires_grad") = false);
  m.def("scalar_tensor", [](py::handle v, py::object dtype, py::handle device) {
    Scalar s = to_scalar(v, "scalar_tensor");
    return scalar_tensor(s, to_dtype(dtype, default_float_dtype()), to_device(device));
  }, py::arg("s"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none());
}

}  // namespace cr::bind
