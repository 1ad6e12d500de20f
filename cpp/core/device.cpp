// Device parsing and printing, the default device, and the core's door to GPU memory (cuda/, or
// no_cuda/ in a build without CUDA).
#include "core/device.h"

#include <atomic>

#include "core/error.h"
#include "cuda/memory.h"
#include "cuda/runtime.h"

namespace cr {

namespace {

std::atomic<Device> g_default_device{kCpu};

DeviceType parse_type(const std::string& type, const std::string& spec) {
  if (type == "cpu") return DeviceType::CPU;
  if (type == "cuda") return DeviceType::CUDA;
  if (type == "meta") return DeviceType::Meta;
  CR_FAIL(RuntimeError, "Expected one of cpu, cuda, meta device type at start of device string: ", spec);
}

}  // namespace

Device make_device(const std::string& type, int64_t index) {
  CR_CHECK(index >= 0, RuntimeError, "Device index must not be negative");
  CR_CHECK(index <= 127, RuntimeError, "device: index ", index, " is out of range (at most 127)");
  return {parse_type(type, type), static_cast<int>(index)};
}

Device parse_device(const std::string& spec) {
  size_t colon = spec.find(':');
  if (colon == std::string::npos) return {parse_type(spec, spec), -1};
  std::string digits = spec.substr(colon + 1);
  CR_CHECK(!digits.empty() && digits.size() <= 3 && digits.find_first_not_of("0123456789") == std::string::npos,
           RuntimeError, "Invalid device string: '", spec, "'");
  parse_type(spec.substr(0, colon), spec);
  return make_device(spec.substr(0, colon), std::stoi(digits));
}

std::string device_type_name(DeviceType type) {
  switch (type) {
    case DeviceType::CPU: return "cpu";
    case DeviceType::CUDA: return "cuda";
    case DeviceType::Meta: return "meta";
  }
  return "unknown";
}

std::string device_str(Device d) {
  std::string type = device_type_name(d.type);
  return d.index < 0 ? type : type + ":" + std::to_string(d.index);
}

Device resolve_device(Device d) {
  if (d.is_cpu()) return kCpu;
  if (d.is_meta()) return kMeta;
  return d.index < 0 ? Device{DeviceType::CUDA, 0} : d;  // the current device is 0 until set_device exists
}

Device default_device() { return g_default_device.load(); }

void set_default_device(Device d) {
  check_device_available(d, "set_default_device");
  g_default_device.store(d);
}

int cuda_device_count() { return cuda::device_count(); }
bool cuda_is_compiled() { return cuda::is_compiled(); }

void check_device_available(Device d, const char* op) {
  if (d.is_cpu() || d.is_meta()) return;
  Device cuda = resolve_device(d);
  CR_CHECK(cuda_is_compiled(), RuntimeError, op, ": device '", device_str(cuda),
           "' is not available: chainrule was built without CUDA (CHAINRULE_CUDA=OFF, or no nvcc was found "
           "when it was built; rebuild on a machine with the CUDA toolkit)");
  CR_CHECK(cuda.index < cuda_device_count(), RuntimeError, op, ": device '", device_str(cuda),
           "' is not available: this machine has ", cuda_device_count(), " CUDA device(s)");
  CR_CHECK(cuda.index == 0, RuntimeError, op, ": device '", device_str(cuda), "' is not available: chainrule uses ",
           "one GPU per process, cuda:0; choose the GPU with CUDA_VISIBLE_DEVICES=", cuda.index, " instead");
}

std::shared_ptr<void> allocate_device_memory(size_t nbytes, Device d) {
  CachingAllocator& allocator = cuda::allocator(resolve_device(d).index);
  return std::shared_ptr<void>(allocator.allocate(nbytes), [&allocator](void* block) { allocator.release(block); });
}

void copy_device_bytes(void* dst, const void* src, size_t nbytes) { cuda::copy_bytes(dst, src, nbytes); }
AllocatorStats device_memory_stats(Device d) { return cuda::allocator(resolve_device(d).index).stats(); }
void reset_device_peak_memory(Device d) { cuda::allocator(resolve_device(d).index).reset_peak(); }
void empty_device_cache(Device d) { cuda::allocator(resolve_device(d).index).empty_cache(); }
void synchronize_device(Device d) { cuda::synchronize(resolve_device(d).index); }
std::string device_name(Device d) { return cuda::device_name(resolve_device(d).index); }
cuda::DeviceProperties device_properties(Device d) { return cuda::device_properties(resolve_device(d).index); }
std::pair<size_t, size_t> device_memory_info(Device d) { return cuda::memory_info(resolve_device(d).index); }

DeviceEvent::DeviceEvent(Device d, bool timing, bool blocking)
    : handle_(cuda::create_event(resolve_device(d).index, timing, blocking)) {}
DeviceEvent::~DeviceEvent() { cuda::destroy_event(handle_); }
void DeviceEvent::record() { cuda::record_event(handle_); }
bool DeviceEvent::query() const { return cuda::query_event(handle_); }
void DeviceEvent::synchronize() const { cuda::synchronize_event(handle_); }
double DeviceEvent::elapsed_ms(const DeviceEvent& end) const { return cuda::elapsed_ms(handle_, end.handle_); }


}  // namespace cr
