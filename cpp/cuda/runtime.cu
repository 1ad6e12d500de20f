// CUDA runtime queries: how many GPUs this process can use, their properties and free memory, and
// events on the default stream, which every chainrule kernel and copy uses.
#include <cuda_runtime.h>

#include "core/error.h"
#include "cuda/runtime.h"

namespace cr::cuda {

namespace {

void check(cudaError_t status, const char* call) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear it so later calls start clean
  CR_FAIL(RuntimeError, call, " failed: ", cudaGetErrorString(status));
}

cudaEvent_t as_event(void* event) { return static_cast<cudaEvent_t>(event); }

// Makes `device` current for a scope, then restores the caller's (so a query of another GPU does
// not move later kernels there).
class DeviceScope {
 public:
  explicit DeviceScope(int device) {
    check(cudaGetDevice(&previous_), "cudaGetDevice");
    check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace

bool is_compiled() { return true; }

int device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error so later calls start clean
    return 0;
  }
  return n;
}

DeviceProperties device_properties(int device) {
  cudaDeviceProp p{};
  check(cudaGetDeviceProperties(&p, device), "cudaGetDeviceProperties");
  return {p.name, p.totalGlobalMem, p.major, p.minor, p.multiProcessorCount};
}

std::pair<size_t, size_t> memory_info(int device) {
  DeviceScope on(device);
  size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return {free, total};
}

void* create_event(int device, bool timing, bool blocking) {
  DeviceScope on(device);
  unsigned flags = timing ? cudaEventDefault : cudaEventDisableTiming;
  if (blocking) flags |= cudaEventBlockingSync;
  cudaEvent_t event = nullptr;
  check(cudaEventCreateWithFlags(&event, flags), "cudaEventCreate");
  return event;
}

void destroy_event(void* event) { cudaEventDestroy(as_event(event)); }  // at exit the driver may be gone
void record_event(void* event) { check(cudaEventRecord(as_event(event), 0), "cudaEventRecord"); }

bool query_event(void* event) {
  const cudaError_t status = cudaEventQuery(as_event(event));
  if (status == cudaErrorNotReady) {
    cudaGetLastError();
    return false;
  }
  check(status, "cudaEventQuery");
  return true;
}

void synchronize_event(void* event) { check(cudaEventSynchronize(as_event(event)), "cudaEventSynchronize"); }

float elapsed_ms(void* start, void* end) {
  float ms = 0;
  check(cudaEventElapsedTime(&ms, as_event(start), as_event(end)), "cudaEventElapsedTime");
  return ms;
}

}  // namespace cr::cuda
