// GPU memory: a CachingAllocator per device over cudaMalloc/cudaFree, copies, synchronization.
// CUDA errors become RuntimeErrors naming the call and the device.
#include <cuda_runtime.h>

#include <memory>
#include <mutex>
#include <vector>

#include "core/error.h"
#include "cuda/memory.h"
#include "cuda/runtime.h"

namespace cr::cuda {

namespace {

void check(cudaError_t status, const char* call, int device) {
  if (status == cudaSuccess) return;
  cudaGetLastError();  // clear it so later calls start clean
  CR_FAIL(RuntimeError, call, " on cuda:", device, " failed: ", cudaGetErrorString(status));
}

class CudaBackend : public DeviceMemoryBackend {
 public:
  explicit CudaBackend(int device) : device_(device), name_("cuda:" + std::to_string(device)) {}
  void* allocate(size_t nbytes) override {
    check(cudaSetDevice(device_), "cudaSetDevice", device_);
    void* block = nullptr;
    const cudaError_t status = cudaMalloc(&block, nbytes);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      return nullptr;  // the allocator empties its cache and retries
    }
    check(status, "cudaMalloc", device_);
    return block;
  }
  void release(void* block) override { cudaFree(block); }  // at exit the driver may be gone: nothing to report
  const char* name() const override { return name_.c_str(); }

 private:
  int device_;
  std::string name_;
};

struct DeviceAllocator {
  explicit DeviceAllocator(int device) : backend(device), allocator(backend) {}
  CudaBackend backend;
  CachingAllocator allocator;
};

}  // namespace

CachingAllocator& allocator(int device) {
  // Never destroyed (as PyTorch's): tensors may still be released while the process exits.
  static auto* per_device = new std::vector<std::unique_ptr<DeviceAllocator>>(static_cast<size_t>(device_count()));
  static std::mutex creating;
  std::lock_guard<std::mutex> lock(creating);
  auto& slot = per_device->at(static_cast<size_t>(device));
  if (!slot) slot = std::make_unique<DeviceAllocator>(device);
  return slot->allocator;
}

void copy_bytes(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  int device = 0;
  cudaGetDevice(&device);
  check(cudaMemcpy(dst, src, nbytes, cudaMemcpyDefault), "cudaMemcpy", device);
}

void synchronize(int device) {
  check(cudaSetDevice(device), "cudaSetDevice", device);
  check(cudaDeviceSynchronize(), "cudaDeviceSynchronize", device);
}

std::string device_name(int device) {
  cudaDeviceProp properties{};
  check(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties", device);
  return properties.name;
}

}  // namespace cr::cuda
