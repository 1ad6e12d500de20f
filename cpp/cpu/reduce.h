// Reduction kernels. One driver reduces any set of dims of a strided tensor with a Reducer (sum,
// prod, max, min, all, any); a second one finds max/min values with their indices along one dim.
//
// The input's dims are split into kept dims (one per output element) and reduced dims, each group
// coalesced; the reduced dims are ordered by stride so the innermost reduced run is as dense as
// memory allows. Two loop shapes follow:
//   - rows:    each output reduces its runs with SIMD lanes (sum(1) of a contiguous matrix);
//   - columns: the input's contiguous dim is kept, so a block of neighbouring outputs accumulates
//              whole input rows at a time, which vectorizes across outputs (sum(0)).
// Large reductions run on OpenMP threads: split over outputs, or, when there are few outputs,
// over the reduced elements with one partial result per thread, combined at the end.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "cpu/parallel.h"

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
  using acc_t = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;
  using total_t = std::conditional_t<std::is_same_v<T, float>, double, acc_t>;
  using out_t = acc_t;
  static acc_t identity() { return acc_t(0); }
  static acc_t step(acc_t a, in_t x) { return a + acc_t(x); }
  static total_t combine(total_t a, total_t b) { return a + b; }
  static out_t finish(total_t t) { return out_t(t); }
};

template <typename T>
struct ProdReducer {
  using in_t = T;
  using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;
  using total_t = acc_t;
  using out_t = std::conditional_t<std::is_same_v<T, bool>, int64_t, T>;
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
    for (int k = 0; k < L; ++k) total = R::combine(total, lane[k]);
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

constexpr int64_t kMinColumns = 8;  // narrower column blocks are reduced as strided rows

// `reduced` has bit d set for each reduced input dim; the output has the input's dims with size 1
// on the reduced ones (its strides there are ignored).
inline ReduceGeometry make_reduce_geometry(const Tensor& in, const Tensor& out, uint32_t reduced) {
  ReduceGeometry g;
  struct Dim { int64_t size, in, out; };
  Dim kept[kMaxDims], red[kMaxDims];
  int nk = 0, nr = 0;
  for (int64_t d = 0; d < in->dim(); ++d) {
    const int64_t size = in->size(d);
    if (reduced >> d & 1) {
      g.reduce_size *= size;
      if (size != 1) red[nr++] = {size, in->stride(d), 0};
    } else {
      g.num_outputs *= size;
      if (size != 1) kept[nk++] = {size, in->stride(d), out->stride(d)};
    }
  }
  if (nr == 0) red[nr++] = {1, 0, 0};
  if (nk == 0) kept[nk++] = {1, 0, 0};
  auto abs_stride = [](const Dim& d) { return d.in < 0 ? -d.in : d.in; };
  std::stable_sort(red, red + nr, [&](const Dim& a, const Dim& b) { return abs_stride(a) > abs_stride(b); });
  g.columns = abs_stride(red[nr - 1]) != 1;
  if (g.columns) {  // move the kept dim with input stride 1 innermost, if there is one wide enough
    int unit = -1;
    for (int k = 0; k < nk; ++k) {
      if (kept[k].in == 1 && kept[k].size >= kMinColumns) unit = k;
    }
    g.columns = unit >= 0;
    if (g.columns) std::rotate(kept + unit, kept + unit + 1, kept + nk);
  }
  for (int k = 0; k < nk; ++k) {  // coalesce kept dims where input and output both allow it
    const bool merge = g.nkept > 0 && g.kept_in[g.nkept - 1] == kept[k].in * kept[k].size &&
                       g.kept_out[g.nkept - 1] == kept[k].out * kept[k].size;
    if (merge) {
      g.kept_sizes[g.nkept - 1] *= kept[k].size;
      g.kept_in[g.nkept - 1] = kept[k].in;
      g.kept_out[g.nkept - 1] = kept[k].out;
    } else {
      g.kept_sizes[g.nkept] = kept[k].size, g.kept_in[g.nkept] = kept[k].in, g.kept_out[g.nkept] = kept[k].out;
      ++g.nkept;
    }
  }
  for (int r = 0; r < nr; ++r) {  // coalesce reduced dims
    if (g.nred > 0 && g.red_in[g.nred - 1] == red[r].in * red[r].size) {
      g.red_sizes[g.nred - 1] *= red[r].size;
      g.red_in[g.nred - 1] = red[r].in;
    } else {
      g.red_sizes[g.nred] = red[r].size, g.red_in[g.nred] = red[r].in;
      ++g.nred;
    }
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// The value-reduction driver.

constexpr int64_t kOutputBatch = 1024;  // outputs accumulated together (stack buffers)
constexpr int64_t kFlushRows = 64;     // column layout: rows per accumulator before folding into totals

// Rows: total = reduce(total, elements [rb, re) of the reduced dims) for the output at `base`.
template <class R>
typename R::total_t reduce_row_range(const typename R::in_t* base, const ReduceGeometry& g, int64_t rb, int64_t re,
                                     typename R::total_t total) {
  const int inner = g.nred - 1;
  const int64_t n = g.red_sizes[inner], stride = g.red_in[inner];
  Walker<1> runs = g.reduced_walker(inner);
  runs.seek(rb / n);
  for (int64_t pos = rb % n; rb < re; pos = 0, runs.next()) {
    const int64_t len = std::min(n - pos, re - rb);
    total = reduce_run<R>(base + runs.off[0] + pos * stride, len, stride, total);
    rb += len;
  }
  return total;
}

// Columns: totals[j] = reduce(totals[j], column j of the reduced elements [rb, re)), for the w
// neighbouring outputs starting at `base` (input stride 1 between them).
template <class R>
void reduce_column_range(const typename R::in_t* base, int64_t w, const ReduceGeometry& g, int64_t rb, int64_t re,
                         typename R::total_t* totals) {
  typename R::acc_t acc[kOutputBatch];
  Walker<1> rows = g.reduced_walker(g.nred);
  rows.seek(rb);
  for (int64_t r = rb; r < re;) {
    const int64_t stop = std::min(re, r + kFlushRows);
    for (int64_t j = 0; j < w; ++j) acc[j] = R::identity();
    for (; r + 4 <= stop; r += 4) {  // four rows per pass over the accumulators
      const typename R::in_t* row[4];
      for (auto& p : row) p = base + rows.off[0], rows.next();
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) {
        acc[j] = R::step(R::step(R::step(R::step(acc[j], row[0][j]), row[1][j]), row[2][j]), row[3][j]);
      }
    }
    for (; r < stop; ++r, rows.next()) {
      const typename R::in_t* row = base + rows.off[0];
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) acc[j] = R::step(acc[j], row[j]);
    }
    for (int64_t j = 0; j < w; ++j) totals[j] = R::combine(totals[j], acc[j]);
  }
}

// totals[o - ob] for outputs [ob, oe), reduced over elements [rb, re).
template <class R>
void accumulate_outputs(const typename R::in_t* in, const ReduceGeometry& g, int64_t ob, int64_t oe, int64_t rb,
                        int64_t re, typename R::total_t* totals) {
  // Nothing to fold: an empty share of a split, or an empty reduced dim (whose walker cannot even
  // seek: its size 0 would divide). The totals keep their identities: sum 0, prod 1, all true.
  if (rb >= re) return;
  Walker<2> outs = g.output_walker();
  if (!g.columns) {
    outs.seek(ob);
    for (int64_t o = ob; o < oe; ++o, outs.next()) {
      totals[o - ob] = reduce_row_range<R>(in + outs.off[0], g, rb, re, totals[o - ob]);
    }
    return;
  }
  const int64_t width = g.kept_sizes[g.nkept - 1];
  for (int64_t o = ob; o < oe;) {  // blocks of outputs that are neighbours in the input
    const int64_t w = std::min({width - o % width, oe - o, kOutputBatch});
    outs.seek(o);
    reduce_column_range<R>(in + outs.off[0], w, g, rb, re, totals + (o - ob));
    o += w;
  }
}

template <class R>
void write_outputs(typename R::out_t* out, const ReduceGeometry& g, int64_t ob, int64_t oe,
                   const typename R::total_t* totals) {
  Walker<2> outs = g.output_walker();
  outs.seek(ob);
  for (int64_t o = ob; o < oe; ++o, outs.next()) out[outs.off[1]] = R::finish(totals[o - ob]);
}

// out = reduce(in) over the dims in `reduced` (bit d for dim d). out has in's dims with size 1 on
// the reduced ones, and R's output dtype.
template <class R>
void reduce_kernel(const Tensor& out, const Tensor& in, uint32_t reduced) {
  using total_t = typename R::total_t;
  const ReduceGeometry g = make_reduce_geometry(in, out, reduced);
  if (g.num_outputs == 0) return;
  const auto* src = in->data<typename R::in_t>();
  auto* dst = out->data<typename R::out_t>();

  auto reduce_outputs = [&](int64_t begin, int64_t end) {
    total_t totals[kOutputBatch];
    for (int64_t ob = begin; ob < end; ob += kOutputBatch) {
      const int64_t oe = std::min(end, ob + kOutputBatch);
      std::fill(totals, totals + (oe - ob), total_t(R::identity()));
      accumulate_outputs<R>(src, g, ob, oe, 0, g.reduce_size, totals);
      write_outputs<R>(dst, g, ob, oe, totals);
    }
  };

  const int threads = get_num_threads();
  if (!should_parallelize(g.num_outputs * g.reduce_size)) {
    reduce_outputs(0, g.num_outputs);
  } else if (g.num_outputs >= 4 * threads) {
    parallel_for(0, g.num_outputs, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(g.reduce_size, 1)), reduce_outputs);
  } else {
    // Few outputs (fewer than 4 per thread): each thread reduces a share of the elements into
    // its own partial totals; the partials are combined in order.
    const int64_t n_out = g.num_outputs;
    std::unique_ptr<total_t[]> partial(new total_t[threads * n_out]);  // not vector<bool>: it has no data()
    std::fill(partial.get(), partial.get() + threads * n_out, total_t(R::identity()));
    parallel_for(0, threads, 1, [&](int64_t cb, int64_t ce) {
      for (int64_t c = cb; c < ce; ++c) {
        const int64_t rb = g.reduce_size * c / threads, re = g.reduce_size * (c + 1) / threads;
        accumulate_outputs<R>(src, g, 0, n_out, rb, re, partial.get() + c * n_out);
      }
    });
    for (int c = 1; c < threads; ++c) {
      for (int64_t o = 0; o < n_out; ++o) partial[o] = R::combine(partial[o], partial[c * n_out + o]);
    }
    write_outputs<R>(dst, g, 0, n_out, partial.get());
  }
}

// ---------------------------------------------------------------------------------------------
// Max/min with indices along one dim (first occurrence of the extreme; NaN counts as the
// extreme, as in PyTorch).

template <typename T, bool kMax>
inline bool beats(T x, T best) {
  return (kMax ? x > best : x < best) || (x != x && best == best);
}

// (value, index) of the extreme of n >= 1 elements `stride` apart: the value by a vectorized
// reduction, then the first position holding it.
template <typename T, bool kMax>
std::pair<T, int64_t> arg_extreme_run(const T* p, int64_t n, int64_t stride) {
  using R = std::conditional_t<kMax, MaxReducer<T>, MinReducer<T>>;
  const T best = reduce_run<R>(p, n, stride, R::identity());
  const bool nan = best != best;
  auto holds_best = [&](T x) { return nan ? x != x : x == best; };
  int64_t i = 0;
  if (stride == 1) {  // skip whole blocks without a hit; the test over a block vectorizes
    constexpr int64_t kBlock = 32;
    for (; i + kBlock <= n; i += kBlock) {
      int hits = 0;
      if (nan) {
        for (int64_t k = 0; k < kBlock; ++k) hits += p[i + k] != p[i + k];
      } else {
        for (int64_t k = 0; k < kBlock; ++k) hits += p[i + k] == best;
      }
      if (hits) break;
    }
  }
  while (!holds_best(p[i * stride])) ++i;
  return {best, i};
}

// values/indices = max or min of `in` along `dim` (size >= 1). Both outputs have in's dims with
// size 1 at `dim` and the same (contiguous) strides.
template <typename T, bool kMax>
void arg_reduce_kernel(const Tensor& values, const Tensor& indices, const Tensor& in, int64_t dim) {
  const ReduceGeometry g = make_reduce_geometry(in, values, uint32_t{1} << dim);
  if (g.num_outputs == 0) return;
  const T* src = in->data<T>();
  T* val = values->data<T>();
  int64_t* idx = indices->data<int64_t>();
  const int64_t n = g.red_sizes[0], stride = g.red_in[0];  // a single reduced dim

  auto rows = [&](int64_t ob, int64_t oe) {
    Walker<2> outs = g.output_walker();
    outs.seek(ob);
    for (int64_t o = ob; o < oe; ++o, outs.next()) {
      auto [v, i] = arg_extreme_run<T, kMax>(src + outs.off[0], n, stride);
      val[outs.off[1]] = v;
      idx[outs.off[1]] = i;
    }
  };
  auto columns = [&](int64_t ob, int64_t oe) {  // blocks of neighbouring outputs scan rows together
    Walker<2> outs = g.output_walker();
    const int64_t width = g.kept_sizes[g.nkept - 1];
    T best[kOutputBatch];
    int64_t at[kOutputBatch];
    for (int64_t o = ob; o < oe;) {
      const int64_t w = std::min({width - o % width, oe - o, kOutputBatch});
      outs.seek(o);
      const T* base = src + outs.off[0];
      for (int64_t j = 0; j < w; ++j) best[j] = base[j], at[j] = 0;
      for (int64_t r = 1; r < n; ++r) {
        const T* row = base + r * stride;
#pragma omp simd
        for (int64_t j = 0; j < w; ++j) {
          const bool take = beats<T, kMax>(row[j], best[j]);
          best[j] = take ? row[j] : best[j];
          at[j] = take ? r : at[j];
        }
      }
      for (int64_t j = 0; j < w; ++j, outs.next()) {
        val[outs.off[1]] = best[j];
        idx[outs.off[1]] = at[j];
      }
      o += w;
    }
  };

  const int threads = get_num_threads();
  const int64_t grain = std::max<int64_t>(1, kMinChunk / n);
  if (g.columns) {
    if (should_parallelize(g.num_outputs * n)) parallel_for(0, g.num_outputs, grain, columns);
    else columns(0, g.num_outputs);
  } else if (!should_parallelize(g.num_outputs * n) || g.num_outputs >= threads) {
    if (should_parallelize(g.num_outputs * n)) parallel_for(0, g.num_outputs, grain, rows);
    else rows(0, g.num_outputs);
  } else {
    // Few long rows: each thread finds the extreme of a share of a row; the earliest best share wins.
    Walker<2> outs = g.output_walker();
    outs.seek(0);
    std::vector<std::pair<T, int64_t>> part(threads);
    for (int64_t o = 0; o < g.num_outputs; ++o, outs.next()) {
      const T* row = src + outs.off[0];
      parallel_for(0, threads, 1, [&](int64_t cb, int64_t ce) {
        for (int64_t c = cb; c < ce; ++c) {
          const int64_t b = n * c / threads, e = n * (c + 1) / threads;
          part[c] = e > b ? arg_extreme_run<T, kMax>(row + b * stride, e - b, stride) : std::pair<T, int64_t>{T(), -1};
          if (e > b) part[c].second += b;
        }
      });
      std::pair<T, int64_t> best = part[0];
      for (int c = 1; c < threads; ++c) {
        const bool first_found = best.second < 0 && part[c].second >= 0;
        if (first_found || (part[c].second >= 0 && beats<T, kMax>(part[c].first, best.first))) best = part[c];
      }
      val[outs.off[1]] = best.first;
      idx[outs.off[1]] = best.second;
    }
  }
}

}  // namespace cr::cpu
