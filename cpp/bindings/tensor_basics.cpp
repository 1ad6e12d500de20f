// Tensor properties and conversions to Python: shape, dtype, strides, item(), tolist(), the
// autograd fields, dtype/device conversion (to, float, double, long, bool), and the legacy
// constructor chainrule.Tensor(data) / Tensor(2, 3) (built by chainrule._legacy_tensors).
#include "bindings/bindings.h"
#include "bindings/gil.h"
#include "ops/copy.h"

namespace cr::bind {

namespace {

py::object element_to_py(const char* p, DType dt) {
  if (dt == DType::Float16) return py::float_(to_float(*reinterpret_cast<const Half*>(p)));
  if (dt == DType::BFloat16) return py::float_(to_float(*reinterpret_cast<const BFloat16*>(p)));
  return CR_DISPATCH_ALL(dt, "tolist", [&]() -> py::object {
    const scalar_t v = *reinterpret_cast<const scalar_t*>(p);
    if constexpr (std::is_same_v<scalar_t, bool>) return py::bool_(v);
    else if constexpr (std::is_floating_point_v<scalar_t>) return py::float_(static_cast<double>(v));
    else return py::int_(static_cast<int64_t>(v));
  });
}

py::object to_list(const Tensor& t, int64_t dim, const char* p) {
  if (dim == t->dim()) return element_to_py(p, t->dtype());
  py::list out(t->size(dim));
  int64_t step = t->stride(dim) * static_cast<int64_t>(itemsize(t->dtype()));
  for (int64_t i = 0; i < t->size(dim); ++i) out[i] = to_list(t, dim + 1, p + i * step);
  return out;
}

// t on `device`: t itself for the CPU (the only device tensors live on so far); a clear error
// naming `op` otherwise, from the one place that knows what this build supports.
Tensor on_device(const Tensor& t, Device device, const char* op) {
  check_device_available(device, op);
  return run_without_gil([&] { return to_device(t, device); }, t);
}

// memory_format= (chainrule.contiguous_format, preserve_format, channels_last, channels_last_3d) as
// the core's MemoryFormat, checked by chainrule._tensor_surface (its type, the rank it needs);
// `if_none` where it is None.
MemoryFormat memory_format_of(py::handle format, const Tensor& t, const char* op, MemoryFormat if_none) {
  if (format.is_none()) return if_none;
  py::module_ surface = py::module_::import("chainrule._tensor_surface");
  surface.attr("check_memory_format")(format, t, op);
  if (format.is(surface.attr("channels_last"))) return MemoryFormat::ChannelsLast;
  if (format.is(surface.attr("channels_last_3d"))) return MemoryFormat::ChannelsLast3d;
  if (format.is(surface.attr("preserve_format"))) return MemoryFormat::Preserve;
  return MemoryFormat::Contiguous;
}

// memory_format= of cpu() and cuda(): checked; a device move lays its result out contiguously.
void check_memory_format(py::handle format, const Tensor& t, const char* op) {
  (void)memory_format_of(format, t, op, MemoryFormat::Preserve);
}

// Whether t's strides are PyTorch's channels-last layout: the dims in `order` (channels first, batch
// last) laid out innermost to outermost, size-1 dims skipped, as torch's compute_channels_last_contiguous.
bool has_strides_in_order(const Tensor& t, std::initializer_list<int64_t> order) {
  int64_t expected = 1;
  for (int64_t d : order) {
    if (t->size(d) == 1) continue;
    if (t->stride(d) != expected) return false;
    expected *= t->size(d);
  }
  return true;
}

// is_contiguous(memory_format=None): NHWC strides of a 4-d tensor for channels_last, NDHWC of a 5-d
// one for channels_last_3d, row-major otherwise.
bool is_contiguous_as(const Tensor& t, py::handle format) {
  if (format.is_none()) return t->is_contiguous();
  py::object formats = py::module_::import("chainrule._tensor_surface");
  CR_CHECK(py::isinstance(format, formats.attr("memory_format")), TypeError,
           "is_contiguous(): argument 'memory_format' must be chainrule.memory_format, not ",
           Py_TYPE(format.ptr())->tp_name);
  if (format.is(formats.attr("channels_last"))) return t->dim() == 4 && has_strides_in_order(t, {1, 3, 2, 0});
  if (format.is(formats.attr("channels_last_3d"))) return t->dim() == 5 && has_strides_in_order(t, {1, 4, 3, 2, 0});
  return t->is_contiguous();  // contiguous_format and preserve_format, as PyTorch
}

// t in `dtype` and `format`'s layout (Preserve: as t is laid out, PyTorch's default for to() and
// float() & co.): t itself when it has both, else a copy (without the GIL when large).
Tensor cast_to(const Tensor& t, DType dtype, MemoryFormat format = MemoryFormat::Preserve) {
  if (t->dtype() == dtype && is_in_format(t, format)) return t;
  return run_without_gil([&] { return copy_in_format(t, dtype, format); }, t);
}

// to(dtype), to(device), to(other), to(device, dtype), with PyTorch's keyword names.
Tensor convert(const Tensor& t, py::args args, py::kwargs kwargs) {
  DType dtype = t->dtype();
  Device device = t->device();
  MemoryFormat format = MemoryFormat::Preserve;
  auto take = [&](py::handle a) {
    if (is_tensor(a)) {
      Tensor o = a.cast<Tensor>();
      dtype = o->dtype();
      device = o->device();
    } else if (py::isinstance<py::str>(a) || py::isinstance<Device>(a) || is_device_index(a)) {
      device = to_device(a);
    } else {
      dtype = to_dtype(a, dtype);
    }
  };
  for (py::handle a : args) take(a);
  for (auto kv : kwargs) {
    std::string key = kv.first.cast<std::string>();
    if (key == "dtype" || key == "device" || key == "other") {
      if (!kv.second.is_none()) take(kv.second);
    } else if (key == "memory_format") {
      format = memory_format_of(kv.second, t, "to", MemoryFormat::Preserve);
    } else if (key != "non_blocking" && key != "copy") {
      CR_FAIL(TypeError, "to: unexpected keyword argument '", key, "'");
    }
  }
  bool copy = kwargs.contains("copy") && kwargs["copy"].cast<bool>();
  // As PyTorch's: to(memory_format=) keeps t when that is the layout its strides suggest.
  const Tensor moved = on_device(t, device, "to");
  const bool keeps_layout = format == MemoryFormat::Preserve || suggested_memory_format(moved) == format;
  Tensor out = moved->dtype() == dtype && keeps_layout
                   ? moved
                   : run_without_gil([&] { return copy_in_format(moved, dtype, format); }, moved);
  return (copy && out == t) ? run_without_gil([&] { return copy_in_format(t, dtype, format); }, t) : out;
}

// .grad, with PyTorch's warning where it reads a non-leaf's (which backward never fills) that has none.
Tensor grad_with_warning(const TensorImpl& t) {
  Tensor grad = t.grad();
  if (!grad && !t.is_leaf() && !t.retains_grad()) {
    if (PyErr_WarnEx(PyExc_UserWarning,
                     "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                     "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                     "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                     "by mistake, make sure you access the leaf Tensor instead.", 1) != 0) {
      throw py::error_already_set();  // the warning was turned into an error
    }
  }
  return grad;
}

}  // namespace

void bind_tensor_basics(py::module_& m, TensorClass& cls) {
  cls.def(py::init([](const py::args& args, const py::kwargs& kwargs) {
    return py::module_::import("chainrule._legacy_tensors").attr("new_default_tensor")(*args, **kwargs).cast<Tensor>();
  }));
  cls.def_property_readonly("dtype", &TensorImpl::dtype)
      .def_property_readonly("device", &TensorImpl::device)
      .def_property_readonly("ndim", &TensorImpl::dim)
      .def_property_readonly("_shape", &TensorImpl::sizes)
      .def_property_readonly("is_cuda", [](const Tensor& t) { return t->device().is_cuda(); })
      .def_property_readonly("is_meta", [](const Tensor& t) { return t->device().is_meta(); })
      .def("dim", &TensorImpl::dim)
      .def("ndimension", &TensorImpl::dim)
      .def("numel", &TensorImpl::numel)
      .def("nelement", &TensorImpl::numel)
      .def("element_size", [](const Tensor& t) { return itemsize(t->dtype()); })
      .def("storage_offset", &TensorImpl::offset)
      .def("is_contiguous", &is_contiguous_as, py::arg("memory_format") = py::none())
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t->dtype()); })
      .def("data_ptr", [](const Tensor& t) {  // 0 for a meta tensor, as PyTorch's
        return t->device().is_meta() ? uintptr_t{0} : reinterpret_cast<uintptr_t>(t->device_data());
      })
      .def("_storage_id", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t->storage().get()); })
      // The storage's first byte and size in bytes, for Tensor.untyped_storage() (chainrule/_storage.py).
      .def("_storage_data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t->storage()->data()); })
      .def("_storage_nbytes", [](const Tensor& t) { return t->storage()->nbytes(); })
      .def("stride", [](const Tensor& t, py::object dim) -> py::object {
        if (dim.is_none()) return py::cast(t->strides());
        return py::int_(t->stride(wrap_dim(dim.cast<int64_t>(), t->dim(), "stride")));
      }, py::arg("dim") = py::none())
      .def("item", [](const Tensor& t) {
        // RuntimeError as PyTorch's item() (float(t) and int(t) keep item's ValueError, as PyTorch's do)
        CR_CHECK(t->numel() == 1, RuntimeError, "a Tensor with ", t->numel(),
                 " elements cannot be converted to Scalar (item() needs exactly one), got a ", describe(t));
        return scalar_to_py(item(t));
      })
      .def("tolist", [](const Tensor& t) {
        const Tensor host = run_without_gil([&] { return to_device(t, kCpu); }, t);  // waits for a GPU
        return to_list(host, 0, static_cast<const char*>(host->raw_data()));
      })
      .def("__len__", [](const Tensor& t) {
        CR_CHECK(t->dim() > 0, TypeError, "len() of a 0-d tensor");
        return t->size(0);
      })
      .def("__bool__", [](const Tensor& t) {
        // PyTorch's words, which programs and tests match on (`if m.bias:` on a Linear in kuangliu/pytorch-cifar)
        CR_CHECK(t->numel() == 1, RuntimeError, "Boolean value of Tensor with ",
                 t->numel() == 0 ? "no values" : "more than one value", " is ambiguous");
        return item(t).as_double() != 0;
      })
      .def("__float__", [](const Tensor& t) { return item(t).as_double(); })
      .def("__int__", [](const Tensor& t) {
        Scalar s = item(t);
        return s.is_floating() ? static_cast<int64_t>(s.f) : s.i;
      })
      .def("__index__", [](const Tensor& t) {
        CR_CHECK(!is_floating(t->dtype()) && t->numel() == 1, TypeError,
                 "only one-element integer tensors can be used as an index, got a ", describe(t));
        return item(t).i;
      })
      .def("__hash__", [](py::handle self) { return reinterpret_cast<intptr_t>(self.ptr()); })
      .def("contiguous", [](const Tensor& t, py::handle format) {
        const MemoryFormat layout = memory_format_of(format, t, "contiguous", MemoryFormat::Contiguous);
        CR_CHECK(layout != MemoryFormat::Preserve, RuntimeError,
                 "preserve memory format is unsupported by the contiguous operator");
        if (layout == MemoryFormat::Contiguous ? t->is_contiguous() : is_in_format(t, layout)) return t;
        return run_without_gil([&] { return copy_in_format(t, t->dtype(), layout); }, t);
      }, py::kw_only(), py::arg("memory_format") = py::none())
      .def("clone", [](const Tensor& t, py::handle format) {  // PyTorch's default keeps t's layout
        const MemoryFormat layout = memory_format_of(format, t, "clone", MemoryFormat::Preserve);
        return run_without_gil([&] { return copy_in_format(t, t->dtype(), layout); }, t);
      }, py::kw_only(), py::arg("memory_format") = py::none())
      .def("detach", &TensorImpl::alias_of, "A tensor sharing this one's data, outside the autograd graph.")
      .def_property_readonly("data", &TensorImpl::alias_of, "This tensor's data, outside the autograd graph.")
      .def("to", &convert)
      .def("type_as", [](const Tensor& t, const Tensor& o) { return cast_to(t, o->dtype()); }, py::arg("other"))
      .def("cpu", [](const Tensor& t, py::handle memory_format) {
        check_memory_format(memory_format, t, "cpu");
        return on_device(t, kCpu, "cpu");
      }, py::kw_only(), py::arg("memory_format") = py::none())
      // cuda(device=None, non_blocking=False): the current GPU, or the one an index or string names.
      .def("cuda", [](const Tensor& t, py::handle device, bool /*non_blocking*/, py::handle memory_format) {
        const Device d = device.is_none() ? Device{DeviceType::CUDA, -1} : to_device(device);
        CR_CHECK(d.is_cuda(), RuntimeError, "Invalid device, must be cuda device");
        check_memory_format(memory_format, t, "cuda");
        return on_device(t, d, "cuda");
      }, py::arg("device") = py::none(), py::arg("non_blocking") = false, py::kw_only(),
         py::arg("memory_format") = py::none())
      // Autograd fields (the rest of autograd is bound in autograd.cpp).
      .def_property("requires_grad", &TensorImpl::requires_grad,
                    [](const Tensor& t, bool r) { t->set_requires_grad(r, "requires_grad"); })
      .def("requires_grad_", [](const Tensor& t, bool r) {
        t->set_requires_grad(r, "requires_grad_");
        return t;
      }, py::arg("requires_grad") = true)
      .def_property("grad", &grad_with_warning, [](const Tensor& t, std::optional<Tensor> g) {  // None clears it
        if (g) {
          CR_CHECK((*g)->sizes() == t->sizes() && (*g)->dtype() == t->dtype(), ValueError,
                   "grad: assigned a ", describe(*g), " to the grad of a ", describe(t));
        }
        t->set_grad(g ? std::move(*g) : Tensor());
      })
      .def_property_readonly("is_leaf", &TensorImpl::is_leaf)
      .def_property_readonly("_version", &TensorImpl::version);
  // float(), double(), half(), bfloat16(), long(), int(), short(), byte(), char(), bool() with PyTorch's
  // memory_format= keyword.
  for (auto [name, dtype] : {std::pair{"float", DType::Float32}, {"double", DType::Float64}, {"half", DType::Float16},
                             {"bfloat16", DType::BFloat16}, {"long", DType::Int64},
                             {"int", DType::Int32}, {"short", DType::Int16}, {"byte", DType::UInt8},
                             {"char", DType::Int8}, {"bool", DType::Bool}}) {
    cls.def(name, [name, dtype](const Tensor& t, py::handle format) {
      return cast_to(t, dtype, memory_format_of(format, t, name, MemoryFormat::Preserve));
    }, py::kw_only(), py::arg("memory_format") = py::none());
  }
  (void)m;
}

}  // namespace cr::bind
