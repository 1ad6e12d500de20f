// A ref-counted buffer on one device. CPU buffers are 64-byte aligned; a buffer may also wrap
// memory owned by someone else (a NumPy array), kept alive by `owner`. Views of a tensor share one
// Storage, and so share its version counter, which in-place ops bump.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/device.h"

namespace cr {

class Storage {
 public:
  // Uninitialized memory for nbytes bytes (at least one cache line, so data() is never null); when
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

  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  Storage(void* data, size_t nbytes, std::shared_ptr<void> owner, Device device)
      : data_(data), nbytes_(nbytes), owner_(std::move(owner)), device_(device) {}

  void* data_;
  size_t nbytes_;
  std::shared_ptr<void> owner_;  // null when this Storage allocated data_ itself
  Device device_;
  uint64_t version_ = 0;
};

}  // namespace cr
