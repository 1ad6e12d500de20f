// The "normalize rows" kernels declared in cpu/layer_norm.h. Rows are normalized in parallel with
// float64 statistics; backward runs one fused pass per row (grad_input, and per-chunk float64
// partial sums of grad_weight and grad_bias, added in a fixed order so results are reproducible).
#include "cpu/layer_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/moments.h"
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

// fn(b, e) over row ranges; `chunks` fixed pieces when parallel so that partial sums are reproducible.
int64_t chunk_count(const RowNormShape& l) {
  return should_parallelize(l.rows * l.n) ? std::min<int64_t>(get_num_threads(), l.rows) : 1;
}

template <typename Fn>
void for_chunks(int64_t chunks, int64_t rows, const Fn& fn) {
  auto run = [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) fn(k, rows * k / chunks, rows * (k + 1) / chunks);
  };
  if (chunks > 1) parallel_for(0, chunks, 1, run);
  else run(0, chunks);
}

// One row's gradients. With gw = g * w and xhat = (x - mean) * rstd: dx = rstd * (gw - mean(gw) -
// xhat * mean(gw * xhat)); sum(g * xhat) and sum(g) per weight are added to acc_w / acc_b (may be null).
template <typename T>
void row_backward(const T* g, const T* x, const T* w, double m, double rs, T* dx, double* acc_w, double* acc_b,
                  const RowNormShape& l, int64_t base) {
  double sum_gw = 0, sum_gwx = 0;  // sum(gw), sum(gw * xhat)
  if (l.inner == 1) {  // the sums and both accumulations in one pass (the tests on null hoist out of the loop)
#pragma omp simd reduction(+ : sum_gw, sum_gwx)
    for (int64_t i = 0; i < l.n; ++i) {
      const double gi = g[i], xhat = (x[i] - m) * rs;
      const double gw = w ? gi * static_cast<double>(w[base + i]) : gi;
      sum_gw += gw;
      sum_gwx += gw * xhat;
      if (acc_w) acc_w[base + i] += gi * xhat;
      if (acc_b) acc_b[base + i] += gi;
    }
  } else {
    for (int64_t k = 0; k < l.channels(); ++k) {
      const T* gb = g + k * l.inner;
      const T* xb = x + k * l.inner;
      double sum_g = 0, sum_gx = 0;  // sum(g), sum(g * (x - mean)) over the block
#pragma omp simd reduction(+ : sum_g, sum_gx)
      for (int64_t i = 0; i < l.inner; ++i) {
        sum_g += gb[i];
        sum_gx += gb[i] * (xb[i] - m);
      }
      const double wk = w ? static_cast<double>(w[base + k]) : 1.0;
      sum_gw += wk * sum_g;
      sum_gwx += wk * sum_gx * rs;
      if (acc_w) acc_w[base + k] += sum_gx * rs;
      if (acc_b) acc_b[base + k] += sum_g;
    }
  }
  if (!dx) return;
  const double mean_gw = sum_gw / static_cast<double>(l.n), mean_gwx = sum_gwx / static_cast<double>(l.n);
  if (l.inner == 1) {
#pragma omp simd
    for (int64_t i = 0; i < l.n; ++i) {
      const double wi = w ? static_cast<double>(w[base + i]) : 1.0;
      dx[i] = static_cast<T>(rs * (g[i] * wi - mean_gw - (x[i] - m) * rs * mean_gwx));
    }
    return;
  }
  // per block: dx = a * g + b * x + k0, the formula above expanded
  const double b = -rs * rs * mean_gwx, k0 = -rs * mean_gw - b * m;
  for (int64_t k = 0; k < l.channels(); ++k) {
    const T a = static_cast<T>(rs * (w ? static_cast<double>(w[base + k]) : 1.0));
    const T tb = static_cast<T>(b), tk = static_cast<T>(k0);
    const int64_t at = k * l.inner;
#pragma omp simd
    for (int64_t i = 0; i < l.inner; ++i) dx[at + i] = a * g[at + i] + tb * x[at + i] + tk;
  }
}

}  // namespace

// y = (x - mean) * rstd * w + b row by row; mean and rstd (rows,) are written too. w, b may be null.
template <typename T>
void normalize_rows(const T* x, const T* w, const T* b, const RowNormShape& l, double eps, T* y, double* mean,
                    double* rstd) {
  for_chunks(chunk_count(l), l.rows, [&](int64_t, int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const T* xr = x + r * l.n;
      T* yr = y + r * l.n;
      const double m = sum_f64(xr, l.n) / static_cast<double>(l.n);
      const double rs = 1 / std::sqrt(squared_deviations(xr, l.n, m) / static_cast<double>(l.n) + eps);
      mean[r] = m, rstd[r] = rs;
      const int64_t base = l.param_base(r);
      if (l.inner == 1) {
        const T tm = static_cast<T>(m), trs = static_cast<T>(rs);
#pragma omp simd
        for (int64_t i = 0; i < l.n; ++i) {
          yr[i] = (xr[i] - tm) * trs * (w ? w[base + i] : T(1)) + (b ? b[base + i] : T(0));
        }
        continue;
      }
      for (int64_t k = 0; k < l.channels(); ++k) {  // one affine map per block of `inner`
        const double scale = rs * (w ? static_cast<double>(w[base + k]) : 1.0);
        const T ts = static_cast<T>(scale), tshift = static_cast<T>((b ? b[base + k] : 0.0) - m * scale);
        const T* xb = xr + k * l.inner;
        T* yb = yr + k * l.inner;
#pragma omp simd
        for (int64_t i = 0; i < l.inner; ++i) yb[i] = xb[i] * ts + tshift;
      }
    }
  });
}

// All rows: dx (may be null) and the weight / bias gradients (may be null), summed over per-chunk
// float64 partials in a fixed order.
template <typename T>
void normalize_rows_backward(const T* g, const T* x, const T* w, const double* mean, const double* rstd,
                             const RowNormShape& l, T* dx, T* dw, T* db) {
  const int64_t chunks = chunk_count(l), params = l.params();
  std::vector<double> partial((dw || db) ? chunks * 2 * params : 0, 0.0);  // per chunk: weight sums, bias sums
  for_chunks(chunks, l.rows, [&](int64_t chunk, int64_t begin, int64_t end) {
    double* acc_w = dw ? partial.data() + chunk * 2 * params : nullptr;
    double* acc_b = db ? partial.data() + chunk * 2 * params + params : nullptr;
    for (int64_t r = begin; r < end; ++r) {
      row_backward(g + r * l.n, x + r * l.n, w, mean[r], rstd[r], dx ? dx + r * l.n : nullptr, acc_w, acc_b, l,
                   l.param_base(r));
    }
  });
  if (partial.empty()) return;
  for (int64_t p = 0; p < params; ++p) {
    double sw = 0, sb = 0;
    for (int64_t k = 0; k < chunks; ++k) sw += partial[k * 2 * params + p];
    for (int64_t k = 0; k < chunks; ++k) sb += partial[k * 2 * params + params + p];
    if (dw) dw[p] = static_cast<T>(sw);
    if (db) db[p] = static_cast<T>(sb);
  }
}

#define CR_LAYER_NORM_INSTANTIATE(T)                                                                      \
  template void normalize_rows<T>(const T*, const T*, const T*, const RowNormShape&, double, T*, double*, double*); \
  template void normalize_rows_backward<T>(const T*, const T*, const T*, const double*, const double*,            \
                                           const RowNormShape&, T*, T*, T*);
CR_LAYER_NORM_INSTANTIATE(float)
CR_LAYER_NORM_INSTANTIATE(double)
#undef CR_LAYER_NORM_INSTANTIATE

}  // namespace cr::cpu
