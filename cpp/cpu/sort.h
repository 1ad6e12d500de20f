// Sorting kernels: the order of one line of values (a contiguous run of n elements), as the
// indices that sort it. NaN sorts as the largest value (PyTorch's rule); ties keep their original
// order (PyTorch's CPU sort is stable whether or not stable=True is asked for).
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <type_traits>

namespace cr::cpu {

// a before b in ascending order, NaN above everything (bools and integers compare plainly).
template <typename T>
inline bool less_nan_last(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (b != b) return a == a;
  }
  return a < b;
}

// order[0..n) = the indices of values[0..n) sorted ascending (or descending), stably.
template <typename T>
void sort_line(const T* values, int64_t n, bool descending, int64_t* order) {
  std::iota(order, order + n, int64_t{0});
  if (descending) {
    std::stable_sort(order, order + n, [values](int64_t a, int64_t b) { return less_nan_last(values[b], values[a]); });
  } else {
    std::stable_sort(order, order + n, [values](int64_t a, int64_t b) { return less_nan_last(values[a], values[b]); });
  }
}

// order[0..k) = the indices of the k largest (or smallest) of values[0..n), best first; among
// equal values the lower index comes first. `scratch` holds n indices.
template <typename T>
void topk_line(const T* values, int64_t n, int64_t k, bool largest, int64_t* scratch, int64_t* order) {
  std::iota(scratch, scratch + n, int64_t{0});
  auto before = [values, largest](int64_t a, int64_t b) {
    const bool a_first = largest ? less_nan_last(values[b], values[a]) : less_nan_last(values[a], values[b]);
    const bool b_first = largest ? less_nan_last(values[a], values[b]) : less_nan_last(values[b], values[a]);
    return a_first || (!b_first && a < b);
  };
  std::partial_sort(scratch, scratch + k, scratch + n, before);
  std::copy(scratch, scratch + k, order);
}

}  // namespace cr::cpu
