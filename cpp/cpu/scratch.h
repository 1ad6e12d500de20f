// Per-thread scratch memory for kernels that need a work buffer on every call (im2col columns,
// Winograd tiles): one buffer per thread and element type, grown to the largest size asked for and
// reused by later calls instead of allocated each time.
#pragma once

#include <cstdint>
#include <new>
#include <stdexcept>
#include <vector>

#include "core/error.h"

namespace cr::cpu {

// This thread's buffer of at least n elements. One buffer per type: a caller needing several
// arrays carves them out of one request. A buffer larger than memory is a RuntimeError naming
// `op` and the bytes asked for, not a bare std::bad_alloc.
template <typename T>
T* thread_scratch(int64_t n, const char* op) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) {
    try {
      buffer.resize(static_cast<size_t>(n));
    } catch (const std::bad_alloc&) {
      CR_FAIL(RuntimeError, op, ": out of memory: cannot allocate a work buffer of ", n, " x ", sizeof(T),
              " bytes (", n * double(sizeof(T)) / double(1 << 30), " GiB)");
    } catch (const std::length_error&) {
      CR_FAIL(RuntimeError, op, ": out of memory: a work buffer of ", n, " elements is larger than memory");
    }
  }
  return buffer.data();
}

}  // namespace cr::cpu
