// The reduction drivers declared in cpu/reduce.h: the geometry of a strided reduction, the value
// driver (rows or columns, split over outputs or over the reduced elements) and the max/min with
// indices driver, instantiated for every reducer and dtype the ops dispatch to.
#include "cpu/reduce.h"

#include <algorithm>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
#include "cpu/parallel.h"

namespace cr::cpu {

ReduceGeometry make_reduce_geometry(const ReduceLayout& layout) {
  constexpr int64_t kMinColumns = 8;  // narrower column blocks are reduced as strided rows
  ReduceGeometry g;
  struct Dim { int64_t size, in, out; };
  Dim kept[kMaxDims], red[kMaxDims];
  int nk = 0, nr = 0;
  for (int d = 0; d < layout.ndim; ++d) {
    const int64_t size = layout.sizes[d];
    if (layout.reduced >> d & 1) {
      g.reduce_size *= size;
      if (size != 1) red[nr++] = {size, layout.in_strides[d], 0};
    } else {
      g.num_outputs *= size;
      if (size != 1) kept[nk++] = {size, layout.in_strides[d], layout.out_strides[d]};
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

namespace {

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

}  // namespace

template <class R>
void reduce_kernel(const typename R::in_t* src, const ReduceLayout& layout, typename R::out_t* dst) {
  using total_t = typename R::total_t;
  const ReduceGeometry g = make_reduce_geometry(layout);
  if (g.num_outputs == 0) return;

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

template <typename T, bool kMax>
void arg_reduce_kernel(const T* src, const ReduceLayout& layout, T* val, int64_t* idx) {
  const ReduceGeometry g = make_reduce_geometry(layout);
  if (g.num_outputs == 0) return;
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

#define CR_REDUCE_INSTANTIATE(T)                                                                                \
  template void reduce_kernel<SumReducer<T>>(const T*, const ReduceLayout&, SumReducer<T>::out_t*);           \
  template void reduce_kernel<SumOfSquaresReducer<T>>(const T*, const ReduceLayout&,                          \
                                                      SumOfSquaresReducer<T>::out_t*);                        \
  template void reduce_kernel<ProdReducer<T>>(const T*, const ReduceLayout&, ProdReducer<T>::out_t*);         \
  template void reduce_kernel<MaxReducer<T>>(const T*, const ReduceLayout&, MaxReducer<T>::out_t*);           \
  template void reduce_kernel<MinReducer<T>>(const T*, const ReduceLayout&, MinReducer<T>::out_t*);           \
  template void reduce_kernel<AllReducer<T>>(const T*, const ReduceLayout&, AllReducer<T>::out_t*);           \
  template void reduce_kernel<AnyReducer<T>>(const T*, const ReduceLayout&, AnyReducer<T>::out_t*);           \
  template void arg_reduce_kernel<T, true>(const T*, const ReduceLayout&, T*, int64_t*);                      \
  template void arg_reduce_kernel<T, false>(const T*, const ReduceLayout&, T*, int64_t*);
CR_REDUCE_INSTANTIATE(float)
CR_REDUCE_INSTANTIATE(double)
CR_REDUCE_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_REDUCE_INSTANTIATE)
CR_REDUCE_INSTANTIATE(bool)
#undef CR_REDUCE_INSTANTIATE

}  // namespace cr::cpu
