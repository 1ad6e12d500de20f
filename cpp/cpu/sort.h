// Sorting kernels over one line of values (a contiguous run of n elements): the indices that sort
// it, the k best, the k-th smallest, the median, quantile positions, binary search. NaN sorts as
// the largest value (PyTorch's rule); sort keeps ties in their original order (PyTorch's CPU sort
// is stable whether or not stable=True is asked for).
#pragma once

#include <algorithm>
#include <cmath>
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

// The index of the k-th smallest (0-based) of values[0..n), NaN above everything; among equal
// values the lower index ranks first. `scratch` holds n indices.
template <typename T>
int64_t kth_line(const T* values, int64_t n, int64_t k, int64_t* scratch) {
  std::iota(scratch, scratch + n, int64_t{0});
  std::nth_element(scratch, scratch + k, scratch + n, [values](int64_t a, int64_t b) {
    return less_nan_last(values[a], values[b]) || (!less_nan_last(values[b], values[a]) && a < b);
  });
  return scratch[k];
}

// The index of the lower median of values[0..n) (n >= 1): the first NaN when there is one, unless
// ignore_nan, which takes the median of the other values (the first NaN if all are NaN; PyTorch's
// index there is whatever its selection algorithm leaves).
template <typename T>
int64_t median_line(const T* values, int64_t n, bool ignore_nan, int64_t* scratch) {
  int64_t nans = 0, first_nan = -1;
  for (int64_t i = 0; i < n; ++i) {
    if (values[i] != values[i]) {
      if (first_nan < 0) first_nan = i;
      ++nans;
    }
  }
  if (nans > 0 && (!ignore_nan || nans == n)) return first_nan;
  return kth_line(values, n, (n - nans - 1) / 2, scratch);
}

// The positions in a sorted line (n values, the first `valid` not NaN) that quantile q reads: the
// values at `below` and `above` are mixed with weight (of above) rank - below, rank being
// q * (n - 1), or q * (valid - 1) when ignore_nan, computed in the input's type T as PyTorch does
// (float32 0.4 * 10 is 4, not 4.00000006); a line with NaN (all NaN when ignore_nan) reads its
// last value, a NaN.
struct QuantileRank {
  int64_t below, above;
  double weight;
};
template <typename T>
QuantileRank quantile_rank(T q, int64_t n, int64_t valid, bool ignore_nan) {
  if (valid == 0 || (valid < n && !ignore_nan)) return {n - 1, n - 1, 0.0};
  const T rank = q * static_cast<T>((ignore_nan ? valid : n) - 1);
  const T below = std::floor(rank);
  return {static_cast<int64_t>(below), static_cast<int64_t>(std::ceil(rank)), static_cast<double>(rank - below)};
}

// Where value goes in the sorted line seq[order[i]] (order null: seq[i]), i in [0, n): the first i
// with seq >= value (seq > value when right). Plain comparisons, as PyTorch's binary search: a NaN
// value lands at n.
template <typename T>
int64_t search_line(const T* seq, const int64_t* order, int64_t n, T value, bool right) {
  int64_t start = 0, end = n;
  while (start < end) {
    const int64_t mid = start + (end - start) / 2;
    const T at = seq[order ? order[mid] : mid];
    const bool after = right ? at > value : at >= value;
    if (after) {
      end = mid;
    } else {
      start = mid + 1;
    }
  }
  return start;
}

}  // namespace cr::cpu
