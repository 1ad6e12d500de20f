// Autocast in Python: the thread-local region state behind chainrule.autocast and the casts of its
// policies, for the ops written in Python (chainrule.amp.cast_policy).
#include "autograd/autocast.h"
#include "bindings/bindings.h"

namespace cr::bind {

void bind_autocast(py::module_& m) {
  m.def("_is_autocast_enabled", &autocast::is_enabled, py::arg("device_type"));
  m.def("_set_autocast_enabled", &autocast::set_enabled, py::arg("device_type"), py::arg("enabled"));
  m.def("_get_autocast_dtype", &autocast::dtype, py::arg("device_type"));
  m.def("_set_autocast_dtype", &autocast::set_dtype, py::arg("device_type"), py::arg("dtype"));
  m.def("_is_autocast_cache_enabled", &autocast::is_cache_enabled);
  m.def("_set_autocast_cache_enabled", &autocast::set_cache_enabled, py::arg("enabled"));
  m.def("_autocast_increment_nesting", &autocast::increment_nesting);
  m.def("_autocast_decrement_nesting", &autocast::decrement_nesting);
  m.def("_clear_autocast_cache", &autocast::clear_cache);
  m.def("_autocast_cpu_enabled", &autocast::cpu_enabled);
  m.def("_autocast_lowered", &autocast::lowered, py::arg("tensor"));
  m.def("_autocast_float32", &autocast::float32, py::arg("tensor"));
}

}  // namespace cr::bind
