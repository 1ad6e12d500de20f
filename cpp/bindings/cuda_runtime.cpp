// chainrule.cuda's device queries and events (_C._cuda_*): properties, free memory, the current
// device, and _CudaEvent behind chainrule.cuda.Event; OutOfMemoryError, raised when a GPU's memory
// is exhausted. Each call checks that its device is available first.
#include "bindings/bindings.h"
#include "core/device.h"

namespace cr::bind {

namespace {

Device available(py::handle device, const char* op) {
  const Device d = to_device(device);
  check_device_available(d, op);
  return d;
}

}  // namespace

void bind_cuda_runtime(py::module_& m) {
  // Registered after bind_types' translator, so tried before it: an OutOfMemoryError is this class.
  py::register_exception<OutOfMemoryError>(m, "OutOfMemoryError", PyExc_RuntimeError);
  m.def("_cuda_device_properties", [](py::handle device) {
    const cuda::DeviceProperties p = device_properties(available(device, "chainrule.cuda.get_device_properties"));
    return py::make_tuple(p.name, p.total_memory, p.major, p.minor, p.multi_processor_count);
  }, py::arg("device"));
  m.def("_cuda_mem_get_info", [](py::handle device) {
    return device_memory_info(available(device, "chainrule.cuda.mem_get_info"));
  }, py::arg("device"));
  py::class_<DeviceEvent>(m, "_CudaEvent", "A CUDA event on a device's stream (see chainrule.cuda.Event).")
      .def(py::init([](py::handle device, bool timing, bool blocking) {
             return std::make_unique<DeviceEvent>(available(device, "chainrule.cuda.Event"), timing, blocking);
           }),
           py::arg("device"), py::arg("enable_timing"), py::arg("blocking"))
      .def("record", &DeviceEvent::record)
      .def("query", &DeviceEvent::query)
      .def("synchronize", &DeviceEvent::synchronize, py::call_guard<py::gil_scoped_release>())
      .def("elapsed_time", &DeviceEvent::elapsed_ms, py::arg("end"));
}

}  // namespace cr::bind
