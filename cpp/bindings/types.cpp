// Binds dtype and device, maps the core's typed errors onto Python exceptions, and exposes
// build and thread facts (BLAS in use, CUDA compiled, thread count).
#include "bindings/bindings.h"
#include "core/default_dtype.h"
#include "core/error.h"
#include "cpu/blas.h"
#include "cpu/parallel.h"
#include "ops/deferred_checks.h"
#include "core/cuda_generator.h"
#include "core/random.h"

namespace cr::bind {

py::object scalar_to_py(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::Bool: return py::bool_(s.i != 0);
    case Scalar::Kind::Int: return py::int_(s.i);
    case Scalar::Kind::Float: return py::float_(s.f);
  }
  return py::none();
}

// class chainrule.<name>(base, RuntimeError), added to the module as <name>.
static PyObject* new_exception_class(py::module_& m, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("chainrule.") + name;
  py::tuple bases = py::make_tuple(py::handle(base), py::handle(PyExc_RuntimeError));
  PyObject* cls = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (cls == nullptr) throw py::error_already_set();
  m.attr(name) = py::handle(cls);
  return cls;
}

void bind_types(py::module_& m) {
  // The core's ValueError and DTypeError reach Python as classes that are also RuntimeErrors, which
  // PyTorch raises for the same mistakes, so both `except ValueError` and a PyTorch program's
  // `except RuntimeError` catch them. Made once; the module keeps them alive.
  static PyObject* value_error = new_exception_class(
      m, "InvalidArgumentError", PyExc_ValueError,
      "An op was given operands or arguments of shapes, sizes or values it cannot take. Both a "
      "ValueError and a RuntimeError (PyTorch raises RuntimeError for these).");
  static PyObject* dtype_error = new_exception_class(
      m, "DTypeError", PyExc_TypeError,
      "An op was given an operand of a dtype it does not take. Both a TypeError and a RuntimeError "
      "(PyTorch raises RuntimeError for these).");
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const ValueError& e) {
      PyErr_SetString(value_error, e.what());
    } catch (const DTypeError& e) {  // before its base, TypeError
      PyErr_SetString(dtype_error, e.what());
    } catch (const TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    } catch (const NotImplementedError& e) {  // before its base, RuntimeError
      PyErr_SetString(PyExc_NotImplementedError, e.what());
    } catch (const RuntimeError& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (const std::bad_alloc&) {  // a kernel's std::vector: tensors and scratch say their bytes
      PyErr_SetString(PyExc_MemoryError, "out of memory: a working buffer of the op could not be allocated "
                                         "(std::bad_alloc); the op's inputs may be too large for this machine");
    }
  });

  auto dtype_class = py::enum_<DType>(m, "dtype", "Element type of a tensor.")
      .value("bool", DType::Bool)
      .value("int64", DType::Int64)
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .value("uint8", DType::UInt8)
      .value("int8", DType::Int8)
      .value("int32", DType::Int32)
      .value("int16", DType::Int16)
      .value("float16", DType::Float16)
      .value("bfloat16", DType::BFloat16)
      .def_property_readonly("is_floating_point", [](DType t) { return is_floating(t); })
      .def_property_readonly("is_signed", [](DType t) { return t != DType::Bool && t != DType::UInt8; })
      .def_property_readonly("itemsize", [](DType t) { return itemsize(t); });
  // `.def("__repr__")` on an enum_ only appends an overload behind pybind11's own
  // `<dtype.float32: 2>`, which wins; assigning fresh functions replaces it, so repr and str both
  // read `chainrule.float32` as PyTorch's read `torch.float32`.
  for (const char* name : {"__repr__", "__str__"}) {
    dtype_class.attr(name) = py::cpp_function(
        [](DType t) { return std::string("chainrule.") + dtype_name(t); }, py::name(name),
        py::is_method(dtype_class));
  }

  py::class_<Device>(m, "device", "Where a tensor lives: 'cpu', 'cuda', 'cuda:N' or 'meta' (shapes only).")
      .def(py::init([](py::handle spec) { return to_device(spec); }), py::arg("type"))
      .def(py::init([](const std::string& type, int64_t index) { return make_device(type, index); }), py::arg("type"),
           py::arg("index"))
      .def_property_readonly("type", [](Device d) { return device_type_name(d.type); })
      .def_property_readonly("index", [](Device d) -> py::object {
        return d.index < 0 ? py::object(py::none()) : py::object(py::int_(d.index));
      })
      .def("__eq__", [](Device a, py::handle b) { return py::isinstance<Device>(b) && a == b.cast<Device>(); })
      .def("__hash__", [](Device d) { return static_cast<int>(d.type) * 256 + d.index + 1; })
      .def("__str__", [](Device d) { return device_str(d); })
      .def("__repr__", [](Device d) {
        return "device(type='" + device_type_name(d.type) + "'" +
               (d.index < 0 ? "" : ", index=" + std::to_string(d.index)) + ")";
      })
      .def(py::pickle([](Device d) { return py::make_tuple(device_str(d)); },
                      [](const py::tuple& state) { return parse_device(state[0].cast<std::string>()); }));

  m.def("_get_default_device", &default_device);
  m.def("_set_default_device", [](py::handle device) { set_default_device(to_device(device)); },
        py::arg("device"));
  m.def("_promote_types", &promote_types, py::arg("type1"), py::arg("type2"));
  m.def("_get_default_dtype", &default_float_dtype);
  m.def("_set_default_dtype", &set_default_float_dtype, py::arg("dtype"));
  m.def("_cuda_is_compiled", &cuda_is_compiled);
  m.def("_cuda_device_count", &cuda_device_count);
  m.def("_check_device_available", [](py::handle device, const std::string& op) {
    check_device_available(to_device(device), op.c_str());
  }, py::arg("device"), py::arg("op"));
  // chainrule.cuda's memory counters and controls; `device` is already checked available.
  m.def("_cuda_memory_stats", [](py::handle device) {
    const AllocatorStats s = device_memory_stats(to_device(device));
    py::dict stats;
    stats["allocated_bytes"] = s.allocated;
    stats["peak_allocated_bytes"] = s.peak_allocated;
    stats["reserved_bytes"] = s.reserved;
    stats["peak_reserved_bytes"] = s.peak_reserved;
    stats["device_allocations"] = s.backend_allocations;
    return stats;
  }, py::arg("device"));
  m.def("_cuda_reset_peak_memory_stats", [](py::handle device) { reset_device_peak_memory(to_device(device)); },
        py::arg("device"));
  m.def("_cuda_empty_cache", [](py::handle device) { empty_device_cache(to_device(device)); }, py::arg("device"));
  m.def("_cuda_synchronize", [](py::handle device) {
    const Device d = to_device(device);
    {
      py::gil_scoped_release released;
      synchronize_device(d);
    }
    raise_deferred_checks();  // the checks of values on the GPU that failed, now that it has caught up
  }, py::arg("device"));
  m.def("_cuda_device_name", [](py::handle device) { return device_name(to_device(device)); }, py::arg("device"));
  m.def("_blas_info", &cpu::blas_info);
  m.def("get_num_threads", &cpu::get_num_threads, "Threads used by OpenMP loops and BLAS.");
  m.def("set_num_threads", &cpu::set_num_threads, py::arg("n"), "Sets the threads of OpenMP loops and BLAS.");
  m.def("manual_seed", [](uint64_t seed) {  // chainrule.random.manual_seed checks and wraps the seed
    Generator::global().manual_seed(seed);
    CudaGenerator::manual_seed_all(seed);
  }, py::arg("seed"), "Seeds the CPU's generator (rand, randn, randint, dropout, init, shuffling) and every GPU's.");
  m.def("_manual_seed_cpu", [](uint64_t seed) { Generator::global().manual_seed(seed); }, py::arg("seed"));
  m.def("initial_seed", [] { return Generator::global().initial_seed(); });
  m.def("_get_rng_state", [] { return Generator::global().state(); });
  m.def("_set_rng_state", [](const std::vector<uint64_t>& words) { Generator::global().set_state(words); },
        py::arg("words"));
  // The CUDA generators: each GPU's own (chainrule.cuda's seeding calls) and private ones
  // (chainrule.Generator(device="cuda")).
  py::class_<CudaGenerator>(m, "_CudaGenerator")
      .def(py::init<>())
      .def("manual_seed", &CudaGenerator::manual_seed, py::arg("seed"))
      .def("initial_seed", &CudaGenerator::initial_seed)
      .def("get_state", &CudaGenerator::state, "[seed, offset]")
      .def("set_state", &CudaGenerator::set_state, py::arg("seed"), py::arg("offset"));
  m.def("_cuda_generator", &CudaGenerator::for_device, py::arg("index"), py::return_value_policy::reference,
        "GPU index's own CUDA generator.");
  m.def("_cuda_manual_seed_all", &CudaGenerator::manual_seed_all, py::arg("seed"));
}

}  // namespace cr::bind
