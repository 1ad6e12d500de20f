// A caching allocator for device memory, as PyTorch's CUDA allocator: freed blocks stay cached per
// (stream, size class) and are handed out again, so a training step that repeats the previous
// step's allocations asks the driver for nothing. Sizes round up to size classes: multiples of
// 512 bytes below 1 MiB, multiples of 2 MiB above. When the driver is out of memory the cache is
// emptied and the request retried once; then the error is a RuntimeError with the figures.
// The backend (cudaMalloc/cudaFree on a GPU; a counting fake in the tests) is a parameter, so the
// policy is tested on machines without a GPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cr {

// Where a CachingAllocator's memory comes from.
class DeviceMemoryBackend {
 public:
  virtual ~DeviceMemoryBackend() = default;
  virtual void* allocate(size_t nbytes) = 0;  // nullptr when out of memory
  virtual void release(void* block) = 0;
  virtual const char* name() const = 0;       // "cuda:0", for messages
};

struct AllocatorStats {
  size_t allocated = 0;       // bytes of blocks in use (size classes, as PyTorch counts)
  size_t peak_allocated = 0;  // the most `allocated` has been since the last reset_peak
  size_t reserved = 0;        // bytes held from the backend: in use + cached
  size_t peak_reserved = 0;   // the most `reserved` has been since the last reset_peak
  int64_t backend_allocations = 0;  // calls to the backend's allocate that succeeded
};

class CachingAllocator {
 public:
  explicit CachingAllocator(DeviceMemoryBackend& backend) : backend_(backend) {}
  ~CachingAllocator();
  CachingAllocator(const CachingAllocator&) = delete;
  CachingAllocator& operator=(const CachingAllocator&) = delete;

  // A block of at least nbytes (nullptr for 0 bytes), reused from `stream`'s cache when one of
  // its size class is free.
  void* allocate(size_t nbytes, int64_t stream = 0);
  void release(void* block);  // back to its stream's cache; nullptr is ignored
  void empty_cache();         // every cached (free) block back to the backend
  AllocatorStats stats() const;
  void reset_peak();

  static size_t size_class(size_t nbytes);

 private:
  using PoolKey = std::pair<int64_t, size_t>;  // (stream, size class)
  void* from_backend(size_t bytes);
  void empty_cache_locked();

  DeviceMemoryBackend& backend_;
  mutable std::mutex mutex_;
  std::unordered_map<void*, PoolKey> in_use_;
  std::map<PoolKey, std::vector<void*>> cached_;
  AllocatorStats stats_;
};

}  // namespace cr
