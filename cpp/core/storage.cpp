// Aligned allocation and release of tensor memory.
#include "core/storage.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <new>

#include <sys/mman.h>

#include "core/error.h"

namespace cr {

constexpr size_t kAlignment = 64;
// Buffers of 4 MiB and more are aligned to 2 MiB and asked to be backed by huge pages, as NumPy
// does: fewer TLB misses when a large buffer is streamed (an MPI all-reduce of 64 MiB ran 1.2x
// slower on 4 KiB pages).
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kHugePageThreshold = size_t{4} << 20;

namespace {

// nullptr when there is not that much memory.
void* allocate_host(size_t nbytes) {
  if (nbytes > SIZE_MAX - kHugePage) return nullptr;
  const size_t alignment = nbytes >= kHugePageThreshold ? kHugePage : kAlignment;
  const size_t rounded = (std::max<size_t>(nbytes, 1) + alignment - 1) / alignment * alignment;
  void* p = std::aligned_alloc(alignment, rounded);
#ifdef MADV_HUGEPAGE
  if (p && alignment == kHugePage) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: failure changes nothing
#endif
  return p;
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device, const char* op) {
  check_device_available(device, op);
  if (!device.is_cpu()) {
    std::shared_ptr<void> block = allocate_device_memory(std::max<size_t>(nbytes, 1), device);
    void* data = block.get();
    return wrap(data, nbytes, std::move(block), device);
  }
  void* p = allocate_host(nbytes);
  CR_CHECK(p != nullptr, RuntimeError, op, ": out of memory: cannot allocate ", nbytes, " bytes (",
           nbytes / double(1 << 30), " GiB)");
  return std::shared_ptr<Storage>(new Storage(p, nbytes, nullptr, resolve_device(device)));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::shared_ptr<void> owner, Device device) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(owner), resolve_device(device)));
}

Storage::~Storage() {
  if (!owner_) std::free(data_);
}

}  // namespace cr
