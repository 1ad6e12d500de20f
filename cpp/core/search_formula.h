// searchsorted on any device: its layout, and the binary search of one value in one sorted line,
// which the CPU's kernel (cpu/sort.cpp) and the GPU's (cuda/sort.cu) both call.
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

// sequence (lines, m), values (count): value i is searched in line i / per_line.
struct SearchShape {
  int64_t m, count, per_line;
};

// Where value goes in the sorted line seq[order[i]] (order null: seq[i]), i in [0, n): the first i
// with seq >= value (seq > value when right). Plain comparisons, as PyTorch's binary search: a NaN
// value lands at n. An order entry outside [0, n) reads entry 0 (the CPU checks order first; a
// GPU's order is checked on the GPU and its error raised later, so the read stays in bounds).
template <typename T>
CR_FORMULA int64_t search_line(const T* seq, const int64_t* order, int64_t n, T value, bool right) {
  int64_t start = 0, end = n;
  while (start < end) {
    const int64_t mid = start + (end - start) / 2;
    const int64_t at_index = order ? order[mid] : mid;
    const T at = seq[at_index >= 0 && at_index < n ? at_index : 0];
    const bool after = right ? at > value : at >= value;
    if (after) {
      end = mid;
    } else {
      start = mid + 1;
    }
  }
  return start;
}

}  // namespace cr
