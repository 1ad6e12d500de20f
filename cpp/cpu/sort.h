// Sorting kernels over contiguous lines of values (count lines of n elements each): the indices
// that sort each line, its k best, its k-th smallest, its median, the positions quantiles read, and
// binary search in sorted lines. NaN sorts as the largest value (PyTorch's rule); sort keeps ties
// in their original order (PyTorch's CPU sort is stable whether or not stable=True is asked for).
// cpp/ops/sort.cpp checks the arguments, lays the input out with the sorted dim last, allocates and
// gathers the values; these only compute indices. Lines are split across threads.
#pragma once

#include <cstdint>

#include "core/search_formula.h"

namespace cr::cpu {

// A contiguous buffer viewed as `count` lines of `n` values each.
struct Lines {
  int64_t count, n;
};

// values (count, n) -> order (count, n): each line's indices in ascending (or descending) order, stably.
template <typename T>
void sort_lines(const T* values, const Lines& s, bool descending, int64_t* order);
// values (count, n) -> order (count, k): the indices of each line's k largest (or smallest), best
// first; among equal values the lower index comes first.
template <typename T>
void topk_lines(const T* values, const Lines& s, int64_t k, bool largest, int64_t* order);
// values (count, n) -> index (count): each line's k-th smallest (0-based), NaN above everything;
// among equal values the lower index ranks first.
template <typename T>
void kth_lines(const T* values, const Lines& s, int64_t k, int64_t* index);
// values (count, n), n >= 1 -> index (count): each line's lower median: its first NaN when it has
// one, unless ignore_nan, which takes the median of the other values (the first NaN if all are NaN;
// PyTorch's index there is whatever its selection algorithm leaves).
template <typename T>
void median_lines(const T* values, const Lines& s, bool ignore_nan, int64_t* index);

// How quantile reads between the two sorted values around rank q * (n - 1).
enum class Interpolation : uint8_t { Linear, Lower, Higher, Midpoint, Nearest };
// The quantile levels to read and how: levels[0..count) in [0, 1]; the rank is computed in float32
// when float32_rank (the input's type, as PyTorch does: float32 0.4 * 10 is 4, not 4.00000006).
struct QuantileLevels {
  const double* levels;
  int64_t count;
  bool float32_rank, ignore_nan;
  Interpolation interpolation;
};
// sorted (lines, n) ascending, NaN last -> below, above, weight (lines, levels.count): the sorted
// positions each level reads in each line and the weight of the upper one (lerp(below, above,
// weight) for Linear and Midpoint; `below` alone for the others). The rank is q * (n - 1), or
// q * (valid - 1) over the non-NaN values when ignore_nan; a line with NaN (all NaN when
// ignore_nan) reads its last value, a NaN.
void quantile_positions(const double* sorted, const Lines& s, const QuantileLevels& q, int64_t* below,
                        int64_t* above, double* weight);

// sequence (lines, m), values (count) -> position (count): value i is searched in line
// i / per_line, read through order (lines, m; null: in place), by core/search_formula.h's
// search_line: the first j with sequence >= value (> value when right).
template <typename T>
void search_sorted(const T* sequence, const int64_t* order, const T* values, const SearchShape& s, bool right,
                   int64_t* position);

}  // namespace cr::cpu
