// The sorting kernels declared in cpu/sort.h: one-line kernels (std::stable_sort, partial_sort and
// nth_element on an index array, with NaN last), run over every line with the lines split across
// threads, and the quantile positions and binary searches, line by line.
#include "cpu/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <type_traits>
#include <vector>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

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
// q * (n - 1), or q * (valid - 1) when ignore_nan, computed in T (see QuantileLevels); a line with
// NaN (all NaN when ignore_nan) reads its last value, a NaN.
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

// Calls line(values of line i, scratch, out + i * k) for every line i, lines split across threads;
// scratch holds n indices.
template <typename T, typename Line>
void for_each_line(const T* values, const Lines& s, int64_t k, int64_t* out, const Line& line) {
  const int64_t grain = std::max<int64_t>(1, kMinChunk / std::max<int64_t>(s.n, 1));
  parallel_for(0, s.count, grain, [&](int64_t begin, int64_t end) {
    std::vector<int64_t> scratch(static_cast<size_t>(s.n));
    for (int64_t i = begin; i < end; ++i) line(values + i * s.n, scratch.data(), out + i * k);
  });
}

}  // namespace

template <typename T>
void sort_lines(const T* values, const Lines& s, bool descending, int64_t* order) {
  for_each_line(values, s, s.n, order,
                [&](const T* line, int64_t*, int64_t* out) { sort_line(line, s.n, descending, out); });
}

template <typename T>
void topk_lines(const T* values, const Lines& s, int64_t k, bool largest, int64_t* order) {
  for_each_line(values, s, k, order,
                [&](const T* line, int64_t* scratch, int64_t* out) { topk_line(line, s.n, k, largest, scratch, out); });
}

template <typename T>
void kth_lines(const T* values, const Lines& s, int64_t k, int64_t* index) {
  for_each_line(values, s, 1, index,
                [&](const T* line, int64_t* scratch, int64_t* out) { out[0] = kth_line(line, s.n, k, scratch); });
}

template <typename T>
void median_lines(const T* values, const Lines& s, bool ignore_nan, int64_t* index) {
  for_each_line(values, s, 1, index, [&](const T* line, int64_t* scratch, int64_t* out) {
    out[0] = median_line(line, s.n, ignore_nan, scratch);
  });
}

void quantile_positions(const double* sorted, const Lines& s, const QuantileLevels& q, int64_t* below,
                        int64_t* above, double* weight) {
  const int64_t n = s.n;
  for (int64_t line = 0; line < s.count; ++line) {
    const double* row = sorted + line * n;
    const int64_t valid = std::find_if(row, row + n, [](double x) { return x != x; }) - row;
    for (int64_t j = 0; j < q.count; ++j, ++below, ++above, ++weight) {
      const QuantileRank r = q.float32_rank ? quantile_rank(static_cast<float>(q.levels[j]), n, valid, q.ignore_nan)
                                            : quantile_rank(q.levels[j], n, valid, q.ignore_nan);
      *below = r.below, *above = r.above, *weight = q.interpolation == Interpolation::Midpoint ? 0.5 : r.weight;
      if (q.interpolation == Interpolation::Higher) *below = r.above;
      if (q.interpolation == Interpolation::Nearest) *below = static_cast<int64_t>(std::nearbyint(r.below + r.weight));
    }
  }
}

template <typename T>
void search_sorted(const T* sequence, const int64_t* order, const T* values, const SearchShape& s, bool right,
                   int64_t* position) {
  for (int64_t i = 0; i < s.count; ++i) {
    const int64_t line = i / s.per_line;
    position[i] = search_line(sequence + line * s.m, order ? order + line * s.m : nullptr, s.m, values[i], right);
  }
}

#define CR_SORT_INSTANTIATE(T)                                                      \
  template void sort_lines<T>(const T*, const Lines&, bool, int64_t*);              \
  template void topk_lines<T>(const T*, const Lines&, int64_t, bool, int64_t*);     \
  template void kth_lines<T>(const T*, const Lines&, int64_t, int64_t*);            \
  template void median_lines<T>(const T*, const Lines&, bool, int64_t*);
CR_SORT_INSTANTIATE(float)
CR_SORT_INSTANTIATE(double)
CR_SORT_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_SORT_INSTANTIATE)
CR_SORT_INSTANTIATE(bool)
#undef CR_SORT_INSTANTIATE
template void search_sorted<float>(const float*, const int64_t*, const float*, const SearchShape&, bool, int64_t*);
template void search_sorted<double>(const double*, const int64_t*, const double*, const SearchShape&, bool, int64_t*);
template void search_sorted<int64_t>(const int64_t*, const int64_t*, const int64_t*, const SearchShape&, bool,
                                     int64_t*);

}  // namespace cr::cpu
