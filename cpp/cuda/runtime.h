// The CUDA runtime queries the core needs: devices, their properties and free memory, and the
// events chainrule.cuda.Event times with. Defined in runtime.cu when CHAINRULE_CUDA finds nvcc,
// else by no_cuda/unavailable.cpp (no device, not compiled). core/device.cpp is the one caller.
#pragma once

#include <cstddef>
#include <string>
#include <utility>

namespace cr::cuda {

// Whether this build compiled the CUDA sources.
bool is_compiled();
// Number of visible GPUs; 0 when the driver is missing or too old (never throws).
int device_count();

// What chainrule.cuda.get_device_properties reports of a device.
struct DeviceProperties {
  std::string name;
  size_t total_memory;
  int major, minor, multi_processor_count;
};
DeviceProperties device_properties(int device);
// The device's free and total memory in bytes, as the driver counts them.
std::pair<size_t, size_t> memory_info(int device);

// Events on the device's stream (the one every chainrule kernel and copy runs on), as opaque
// handles: recorded after the work queued so far, done once that work is, and timed between two.
void* create_event(int device, bool timing, bool blocking);
void destroy_event(void* event);
void record_event(void* event);
bool query_event(void* event);
void synchronize_event(void* event);
float elapsed_ms(void* start, void* end);

}  // namespace cr::cuda
