// Aligned allocation and release of tensor memory.
#include "core/storage.h"

#include <algorithm>
#include <cstdlib>
#include <new>

#include "core/error.h"

namespace cr {

constexpr size_t kAlignment = 64;

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device, const char* op) {
  check_device_available(device, op);
  if (!device.is_cpu()) {
    std::shared_ptr<void> block = allocate_device_memory(std::max<size_t>(nbytes, 1), device);
    void* data = block.get();
    return wrap(data, nbytes, std::move(block), device);
  }
  size_t rounded = (std::max<size_t>(nbytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded);
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
