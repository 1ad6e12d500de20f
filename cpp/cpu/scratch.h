// Per-thread scratch memory for kernels that need a work buffer on every call (im2col columns,
// Winograd tiles): one buffer per thread and element type, grown to the largest size asked for and
// reused by later calls instead of allocated each time.
#pragma once

#include <cstdint>
#include <vector>

namespace cr::cpu {

// This thread's buffer of at least n elements. One buffer per type: a caller needing several
// arrays carves them out of one request.
template <typename T>
T* thread_scratch(int64_t n) {
  thread_local std::vector<T> buffer;
  if (static_cast<int64_t>(buffer.size()) < n) buffer.resize(n);
  return buffer.data();
}

}  // namespace cr::cpu
