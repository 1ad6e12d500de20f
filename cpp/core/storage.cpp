// Aligned allocation and release of tensor memory, and its in-place replacement (grow, shared memory).
#include "core/storage.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"

namespace cr {

// 64 bytes, as PyTorch's CPU allocator. No huge-page advice: with the kernel's THP defrag on
// "madvise", every fresh 2 MiB page of an advised buffer was faulted in and zeroed whole, and glibc
// handed each 4 MiB+ output fresh pages, so a gelu of 1024x1024 took 27 ms instead of 0.9 ms.
constexpr size_t kAlignment = 64;

namespace {

// nullptr when there is not that much memory.
void* allocate_host(size_t nbytes) {
  if (nbytes > SIZE_MAX - kAlignment) return nullptr;
  const size_t rounded = (std::max<size_t>(nbytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
  return std::aligned_alloc(kAlignment, rounded);
}

}  // namespace

std::shared_ptr<Storage> Storage::allocate(size_t nbytes, Device device, const char* op) {
  check_device_available(device, op);
  if (device.is_meta()) return std::shared_ptr<Storage>(new Storage(nullptr, nbytes, nullptr, kMeta, true));
  if (!device.is_cpu()) {
    std::shared_ptr<void> block = allocate_device_memory(std::max<size_t>(nbytes, 1), device);
    void* data = block.get();
    return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(block), resolve_device(device), true));
  }
  void* p = allocate_host(nbytes);
  CR_CHECK(p != nullptr, RuntimeError, op, ": out of memory: cannot allocate ", nbytes, " bytes (",
           nbytes / double(1 << 30), " GiB)");
  return std::shared_ptr<Storage>(new Storage(p, nbytes, nullptr, resolve_device(device), true));
}

std::shared_ptr<Storage> Storage::wrap(void* data, size_t nbytes, std::shared_ptr<void> owner, Device device) {
  return std::shared_ptr<Storage>(new Storage(data, nbytes, std::move(owner), resolve_device(device), false));
}

void Storage::swap_memory(Storage& other) {
  std::swap(data_, other.data_);
  std::swap(nbytes_, other.nbytes_);
  std::swap(owner_, other.owner_);
}

void Storage::grow(size_t nbytes, const char* op) {
  if (nbytes <= nbytes_) return;
  if (device_.is_meta()) {  // no memory to move
    nbytes_ = nbytes;
    return;
  }
  CR_CHECK(resizable_, RuntimeError, op, ": Trying to resize storage that is not resizable",
           shared_ ? " (it is in shared memory)" : " (it wraps memory chainrule does not own, e.g. a NumPy array)");
  std::shared_ptr<Storage> fresh = allocate(nbytes, device_, op);
  if (device_.is_cpu()) {
    std::memcpy(fresh->data_, data_, nbytes_);
  } else {
    copy_device_bytes(fresh->data_, data_, nbytes_);
  }
  swap_memory(*fresh);  // `fresh` now holds the old memory and frees it
}

namespace {

// A MAP_SHARED mapping of `length` bytes of `fd` (-1: anonymous), released with the descriptor.
std::shared_ptr<void> map_shared(int fd, size_t length, const char* op) {
  void* p = mmap(nullptr, length, PROT_READ | PROT_WRITE, fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    if (fd >= 0) close(fd);
    CR_FAIL(RuntimeError, op, ": cannot map ", length, " bytes of shared memory: ", std::strerror(errno));
  }
  return std::shared_ptr<void>(p, [length, fd](void* q) {
    munmap(q, length);
    if (fd >= 0) close(fd);
  });
}

// A new shared-memory file of `length` bytes, or -1 where memfd is missing.
int create_shared_file(size_t length, const char* op) {
  const int fd = memfd_create("chainrule-shared", MFD_CLOEXEC);
  if (fd < 0) return -1;
  if (ftruncate(fd, static_cast<off_t>(length)) != 0) {
    close(fd);
    CR_FAIL(RuntimeError, op, ": cannot size a shared-memory file to ", length, " bytes: ", std::strerror(errno));
  }
  return fd;
}

}  // namespace

void Storage::move_to_shared_memory(const char* op) {
  if (shared_ || !device_.is_cpu()) return;  // as PyTorch: GPU memory is shared through its own handles, meta has none
  const size_t length = std::max<size_t>(nbytes_, 1);
  const int fd = create_shared_file(length, op);
  std::shared_ptr<void> mapping = map_shared(fd, length, op);
  void* data = mapping.get();
  std::memcpy(data, data_, nbytes_);
  Storage mapped(data, nbytes_, std::move(mapping), device_, false);
  swap_memory(mapped);  // `mapped` now holds the old memory and frees it
  resizable_ = false;
  shared_ = true;
  shared_fd_ = fd;
}

std::shared_ptr<Storage> Storage::map_shared_memory(int fd, size_t nbytes, const char* op) {
  const int own = dup(fd);
  CR_CHECK(own >= 0, RuntimeError, op, ": cannot duplicate the shared-memory descriptor ", fd, ": ",
           std::strerror(errno));
  std::shared_ptr<void> mapping = map_shared(own, std::max<size_t>(nbytes, 1), op);
  void* data = mapping.get();
  std::shared_ptr<Storage> storage(new Storage(data, nbytes, std::move(mapping), kCpu, false));
  storage->shared_ = true;
  storage->shared_fd_ = own;
  return storage;
}

Storage::~Storage() {
  if (!owner_) std::free(data_);
}

}  // namespace cr
