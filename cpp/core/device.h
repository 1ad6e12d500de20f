// Where a tensor lives: the CPU, a CUDA device when chainrule was built with CUDA, or the meta
// device, whose tensors have shapes, strides and dtypes but no memory (PyTorch's "meta": deferred
// initialization, `Module.to('meta')`; factories, views, conversions and in-place fills work on
// them, and any op that needs values is a NotImplementedError). A Device
// names a type and an index, where index -1 means "not said" (PyTorch's `device("cuda")`, whose
// index is None). A tensor's device is always resolved (resolve_device): the CPU has index -1 and a
// CUDA tensor a concrete index. The default device is what factories use when given no device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "core/caching_allocator.h"
#include "cuda/runtime.h"  // DeviceProperties

namespace cr {

enum class DeviceType : uint8_t { CPU = 0, CUDA = 1, Meta = 2 };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = -1;
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool is_meta() const { return type == DeviceType::Meta; }
};

inline constexpr Device kCpu{DeviceType::CPU, -1};

inline constexpr Device kMeta{DeviceType::Meta, -1};

// Parses "cpu", "cpu:0", "cuda", "cuda:1", "meta"; RuntimeError, as PyTorch's, for anything else.
Device parse_device(const std::string& spec);
// A device from a type string and an index (PyTorch's `device("cuda", 1)`); index >= 0.
Device make_device(const std::string& type, int64_t index);
std::string device_type_name(DeviceType type);  // "cpu", "cuda", "meta"
std::string device_str(Device d);               // "cpu", "cuda", "cuda:0", "meta"
inline std::ostream& operator<<(std::ostream& os, Device d) { return os << device_str(d); }
// The device a tensor created on `d` records: the CPU and meta without an index, CUDA with the current one.
Device resolve_device(Device d);

// The device factories allocate on when not told (chainrule.set_default_device); the CPU unless
// set. Setting it checks that the device is available in this build and on this machine.
Device default_device();
void set_default_device(Device d);

// Whether this build was compiled with CUDA, and how many GPUs it sees (0 without CUDA).
bool cuda_is_compiled();
int cuda_device_count();
// RuntimeError naming op when `d` cannot hold tensors in this build or on this machine.
void check_device_available(Device d, const char* op);

// Memory on a GPU (d resolved, available): a block of at least nbytes from d's caching allocator,
// given back to it when the returned owner is released.
std::shared_ptr<void> allocate_device_memory(size_t nbytes, Device d);
// Copies nbytes between any two of host and device memory, waiting for the copy.
void copy_device_bytes(void* dst, const void* src, size_t nbytes);
// What chainrule.cuda reports of d's allocator, and its controls.
AllocatorStats device_memory_stats(Device d);
void reset_device_peak_memory(Device d);
void empty_device_cache(Device d);
void synchronize_device(Device d);
std::string device_name(Device d);
cuda::DeviceProperties device_properties(Device d);
std::pair<size_t, size_t> device_memory_info(Device d);  // free, total bytes

// An event on a GPU's stream (chainrule.cuda.Event; d resolved, available): recorded after the work
// queued so far, done once that work is, and the milliseconds between two timed ones.
class DeviceEvent {
 public:
  DeviceEvent(Device d, bool timing, bool blocking);
  ~DeviceEvent();
  DeviceEvent(const DeviceEvent&) = delete;
  DeviceEvent& operator=(const DeviceEvent&) = delete;
  void record();
  bool query() const;
  void synchronize() const;
  double elapsed_ms(const DeviceEvent& end) const;

 private:
  void* handle_;
};

}  // namespace cr
