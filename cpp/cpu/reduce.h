// Reduction kernels. One driver reduces any set of dims of a strided tensor with a Reducer (sum,
// sum of squares, prod, max, min, all, any); a second one finds max/min values with their indices along one dim.
//
// The input's dims are split into kept dims (one per output element) and reduced dims, each group
// coalesced; the reduced dims are ordered by stride so the innermost reduced run is as dense as
// memory allows. Two loop shapes follow:
//   - rows:    each output reduces its runs with SIMD lanes (sum(1) of a contiguous matrix);
//   - columns: the input's contiguous dim is kept, so a block of neighbouring outputs accumulates
//              whole input rows at a time, which vectorizes across outputs (sum(0)).
// Large reductions run on OpenMP threads: split over outputs, or, when there are few outputs,
// over the reduced elements with one partial result per thread, combined at the end.
//
// The reducers and reduce_run are here, inline, for other kernels to use (softmax); the drivers
// are in cpu/reduce.cpp, instantiated for each reducer and dtype. cpp/ops/reduce.cpp checks the
// arguments, allocates the outputs and records autograd; these only compute.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/reduce_layout.h"
#include "core/shape.h"  // kMaxDims

namespace cr::cpu {

// ---------------------------------------------------------------------------------------------
// Reducers. A Reducer folds in_t values into acc_t accumulators (step), folds accumulators and
// partial results into a total_t (combine; acc_t converts to total_t) and turns the total into
// the output value (finish). Float32 sums accumulate blocks in float lanes and totals in double.

// Written as a plain max (one SIMD instruction) and a NaN select, the form GCC vectorizes best; a
// NaN accumulator stays NaN because comparisons with it are false.
template <typename T>
inline T max_keeping_nan(T acc, T x) {
  const T larger = x > acc ? x : acc;
  return x != x ? x : larger;
}
template <typename T>
inline T min_keeping_nan(T acc, T x) {
  const T smaller = x < acc ? x : acc;
  return x != x ? x : smaller;
}

template <typename T>
struct SumReducer {
  using in_t = T;
  using acc_t = std::conditional_t<std::is_integral_v<T>, int64_t, T>;  // bool, uint8, int8 sum to int64
  using total_t = std::conditional_t<std::is_same_v<T, float>, double, acc_t>;
  using out_t = acc_t;
  static acc_t identity() { return acc_t(0); }
  static acc_t step(acc_t a, in_t x) { return a + acc_t(x); }
  static total_t combine(total_t a, total_t b) { return a + b; }
  static out_t finish(total_t t) { return out_t(t); }
};

// The sum of x * x: the 2-norm's reduction in one pass (no squared copy of the input).
template <typename T>
struct SumOfSquaresReducer : SumReducer<T> {
  using acc_t = typename SumReducer<T>::acc_t;
  static acc_t step(acc_t a, T x) { return a + acc_t(x) * acc_t(x); }
};

template <typename T>
struct ProdReducer {
  using in_t = T;
  using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  using total_t = acc_t;
  using out_t = std::conditional_t<std::is_integral_v<T>, int64_t, T>;
  static acc_t identity() { return acc_t(1); }
  static acc_t step(acc_t a, in_t x) { return a * acc_t(x); }
  static total_t combine(total_t a, total_t b) { return a * b; }
  static out_t finish(total_t t) { return out_t(t); }
};

// The value below every other: -inf, the lowest int64, false.
template <typename T>
constexpr T lowest_value() {
  return std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
}
template <typename T>
constexpr T highest_value() {
  return std::numeric_limits<T>::has_infinity ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
}

// Max and min propagate NaN, as in PyTorch.
template <typename T>
struct MaxReducer {
  using in_t = T;
  using acc_t = T;
  using total_t = T;
  using out_t = T;
  static acc_t identity() { return lowest_value<T>(); }
  static acc_t step(acc_t a, in_t x) { return max_keeping_nan(a, x); }
  static total_t combine(total_t a, total_t b) { return max_keeping_nan(a, b); }
  static out_t finish(total_t t) { return t; }
};

template <typename T>
struct MinReducer {
  using in_t = T;
  using acc_t = T;
  using total_t = T;
  using out_t = T;
  static acc_t identity() { return highest_value<T>(); }
  static acc_t step(acc_t a, in_t x) { return min_keeping_nan(a, x); }
  static total_t combine(total_t a, total_t b) { return min_keeping_nan(a, b); }
  static out_t finish(total_t t) { return t; }
};

template <typename T>
struct AllReducer {
  using in_t = T;
  using acc_t = bool;
  using total_t = bool;
  using out_t = bool;
  static acc_t identity() { return true; }
  static acc_t step(acc_t a, in_t x) { return a & (x != T(0)); }
  static total_t combine(total_t a, total_t b) { return a & b; }
  static out_t finish(total_t t) { return t; }
};

template <typename T>
struct AnyReducer {
  using in_t = T;
  using acc_t = bool;
  using total_t = bool;
  using out_t = bool;
  static acc_t identity() { return false; }
  static acc_t step(acc_t a, in_t x) { return a | (x != T(0)); }
  static total_t combine(total_t a, total_t b) { return a | b; }
  static out_t finish(total_t t) { return t; }
};

// ---------------------------------------------------------------------------------------------
// Reducing one run of n elements.

// Independent accumulators (128 bytes of them, one per lane), so the loop vectorizes and
// pipelines without reassociating floating-point sums; every kBlockSteps steps the lanes are
// folded into the total. Strided runs use the same lanes, which keeps long float sums accurate.
template <class R>
constexpr int kLanes = static_cast<int>(128 / sizeof(typename R::acc_t));
constexpr int64_t kBlockSteps = 64;

// The lanes folded pairwise, as a tree whose levels vectorize: folding them one by one into the
// total was a chain of 32 dependent adds per block, the cost of a whole short row (sum(-1) of rows
// of 128 took 3x PyTorch's time).
template <class R>
typename R::total_t fold_lanes(const typename R::acc_t* lane) {
  constexpr int L = kLanes<R>;
  typename R::total_t t[L];
  for (int k = 0; k < L; ++k) t[k] = lane[k];
  for (int width = L / 2; width >= 1; width /= 2) {
    for (int k = 0; k < width; ++k) t[k] = R::combine(t[k], t[k + width]);
  }
  return t[0];
}

template <class R, bool kUnitStride>
typename R::total_t reduce_run_in_lanes(const typename R::in_t* p, int64_t n, int64_t stride, typename R::total_t total) {
  using acc_t = typename R::acc_t;
  constexpr int L = kLanes<R>;
  const int64_t s = kUnitStride ? 1 : stride;
  int64_t i = 0;
  while (n - i >= L) {
    const int64_t end = i + std::min<int64_t>(kBlockSteps * L, (n - i) / L * L);
    acc_t lane[L];
    for (int k = 0; k < L; ++k) lane[k] = R::identity();
    for (; i < end; i += L) {
      for (int k = 0; k < L; ++k) lane[k] = R::step(lane[k], p[(i + k) * s]);
    }
    total = R::combine(total, fold_lanes<R>(lane));
  }
  acc_t tail = R::identity();
  for (; i < n; ++i) tail = R::step(tail, p[i * s]);
  return R::combine(total, tail);
}

// Reduces n elements `stride` apart into a running total.
template <class R>
typename R::total_t reduce_run(const typename R::in_t* p, int64_t n, int64_t stride, typename R::total_t total) {
  return stride == 1 ? reduce_run_in_lanes<R, true>(p, n, 1, total) : reduce_run_in_lanes<R, false>(p, n, stride, total);
}

// ---------------------------------------------------------------------------------------------
// Geometry.

// A multi-index over `ndim` dims (outermost first) with the offsets it reaches in K stride sets.
template <int K>
struct Walker {
  int ndim = 0;
  const int64_t* sizes = nullptr;
  const int64_t* strides[K] = {};
  int64_t idx[kMaxDims] = {};
  int64_t off[K] = {};

  void seek(int64_t linear) {
    for (int k = 0; k < K; ++k) off[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      idx[d] = linear % sizes[d];
      linear /= sizes[d];
      for (int k = 0; k < K; ++k) off[k] += idx[d] * strides[k][d];
    }
  }
  void next() {
    for (int d = ndim - 1; d >= 0; --d) {
      for (int k = 0; k < K; ++k) off[k] += strides[k][d];
      if (++idx[d] < sizes[d]) return;
      for (int k = 0; k < K; ++k) off[k] -= strides[k][d] * sizes[d];
      idx[d] = 0;
    }
  }
};

struct ReduceGeometry {
  // Kept dims (one output each), outermost first: sizes, input strides, output strides.
  int nkept = 0;
  int64_t kept_sizes[kMaxDims], kept_in[kMaxDims], kept_out[kMaxDims];
  // Reduced dims, outermost first; the innermost has the smallest input stride.
  int nred = 0;
  int64_t red_sizes[kMaxDims], red_in[kMaxDims];
  int64_t num_outputs = 1, reduce_size = 1;
  // Column layout: the innermost kept dim has input stride 1 and the reduced dims do not.
  bool columns = false;

  Walker<2> output_walker() const {  // offsets of each output in the input and the output
    Walker<2> w;
    w.ndim = nkept, w.sizes = kept_sizes, w.strides[0] = kept_in, w.strides[1] = kept_out;
    return w;
  }
  Walker<1> reduced_walker(int ndim) const {  // offsets over the outer `ndim` reduced dims
    Walker<1> w;
    w.ndim = ndim, w.sizes = red_sizes, w.strides[0] = red_in;
    return w;
  }
};

// The kept and reduced dims of a layout, coalesced, and whether it is reduced as rows or columns.
ReduceGeometry make_reduce_geometry(const ReduceLayout& layout);

// in (layout) -> out: out = reduce(in) over the reduced dims, with R's output type.
template <class R>
void reduce_kernel(const typename R::in_t* in, const ReduceLayout& layout, typename R::out_t* out);

// in (layout, one reduced dim of size >= 1) -> values, indices (the same strides): the max (kMax)
// or min along that dim and the first position holding it; NaN counts as the extreme, as in PyTorch.
template <typename T, bool kMax>
void arg_reduce_kernel(const T* in, const ReduceLayout& layout, T* values, int64_t* indices);

}  // namespace cr::cpu
