// A ref-counted buffer on one device. CPU buffers are 64-byte aligned; a meta buffer has a size
// and no memory (data() is null); a buffer may also wrap
// memory owned by someone else (a NumPy array), kept alive by `owner`. Views of a tensor share one
// Storage, and so share its version counter, which in-place ops bump. As PyTorch's StorageImpl, a
// Storage can change its memory in place (grow for resize_, move into shared memory for
// share_memory_): every tensor holding it sees the new memory.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/device.h"

namespace cr {

class Storage {
 public:
  // Uninitialized memory for nbytes bytes (at least one cache line, so data() is never null but on
  // the meta device, which allocates nothing); when
  // there is not that much memory, a RuntimeError naming `op` and the byte count.
  static std::shared_ptr<Storage> allocate(size_t nbytes, Device device, const char* op = "allocate");
  // Borrowed memory: `owner` is released when the last tensor using it goes away.
  static std::shared_ptr<Storage> wrap(void* data, size_t nbytes, std::shared_ptr<void> owner, Device device);

  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  ~Storage();

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  // Whether grow() may replace the memory: memory this Storage allocated itself, not a wrapped
  // NumPy array nor shared memory (PyTorch's "resizable" storages).
  bool resizable() const { return resizable_; }
  // Whether the memory is shared with processes forked afterwards (share_memory_).
  bool is_shared() const { return shared_; }

  // At least nbytes of memory, in place: the old bytes are kept as a prefix, the new ones are left
  // uninitialized (as in PyTorch). A storage that is not resizable is a RuntimeError, as in PyTorch.
  void grow(size_t nbytes, const char* op);
  // Moves a CPU storage's bytes into a MAP_SHARED mapping of an anonymous shared-memory file
  // (memfd), in place: a process forked afterwards reads and writes the same memory, and another
  // process given the file's descriptor maps it too. The storage stops being resizable.
  void move_to_shared_memory(const char* op);
  // The shared-memory file's descriptor (owned by this storage), or -1 (not shared, or shared
  // through an anonymous mapping where memfd is missing).
  int shared_memory_fd() const { return shared_fd_; }
  // A shared CPU storage mapping the first nbytes of the shared-memory file `fd` (which it dups).
  static std::shared_ptr<Storage> map_shared_memory(int fd, size_t nbytes, const char* op);

  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }
  // Past both its own version and v (set_: a tensor moved onto this storage keeps a rising version).
  void bump_version_past(uint64_t v) { version_ = std::max(version_, v) + 1; }

 private:
  Storage(void* data, size_t nbytes, std::shared_ptr<void> owner, Device device, bool resizable)
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)), device_(device), resizable_(resizable) {}
  // Swaps memory (pointer, size, owner) with `other`, which then releases this one's old memory.
  void swap_memory(Storage& other);

  void* data_;
  size_t nbytes_;
  std::shared_ptr<void> owner_;  // null when this Storage allocated data_ itself
  Device device_;
  bool resizable_;
  bool shared_ = false;
  int shared_fd_ = -1;  // with owner_, which closes it
  uint64_t version_ = 0;
};

}  // namespace cr
