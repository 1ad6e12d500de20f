// The "normalize rows" kernels on a GPU (cuda/layer_norm.h): one block per row for the statistics,
// the output and the input gradient (float64 sums through block_sum), and one thread per weight for
// the weight and bias gradients, each summing its column of rows in row order.
#include <cmath>

#include "cuda/block_sum.cuh"
#include "cuda/layer_norm.h"

namespace cr::cuda {

namespace {

template <typename T>
struct RowForward {
  const T *x, *w, *b;
  RowNormShape s;
  double eps;
  T* y;
  double *mean, *rstd;
  __device__ void operator()(int64_t r) const {
    const T* xr = x + r * s.n;
    T* yr = y + r * s.n;
    double total = 0, squares = 0;
    for (int64_t i = threadIdx.x; i < s.n; i += blockDim.x) total += static_cast<double>(xr[i]);
    const double m = block_sum(total) / static_cast<double>(s.n);
    for (int64_t i = threadIdx.x; i < s.n; i += blockDim.x) {
      const double d = static_cast<double>(xr[i]) - m;
      squares += d * d;
    }
    const double rs = 1 / sqrt(block_sum(squares) / static_cast<double>(s.n) + eps);
    if (threadIdx.x == 0) mean[r] = m, rstd[r] = rs;
    const int64_t base = s.param_base(r);
    for (int64_t i = threadIdx.x; i < s.n; i += blockDim.x) {
      if (s.inner == 1) {  // layer_norm: a weight per element, cpu/layer_norm.cpp's rounding
        yr[i] = (xr[i] - static_cast<T>(m)) * static_cast<T>(rs) * (w ? w[base + i] : T(1)) + (b ? b[base + i] : T(0));
      } else {  // group_norm: one affine map per channel block
        const int64_t k = base + i / s.inner;
        const double scale = rs * (w ? static_cast<double>(w[k]) : 1.0);
        yr[i] = xr[i] * static_cast<T>(scale) + static_cast<T>((b ? static_cast<double>(b[k]) : 0.0) - m * scale);
      }
    }
  }
};

// dx = rstd * (gw - mean(gw) - xhat * mean(gw * xhat)), gw = g * w, xhat = (x - mean) * rstd.
template <typename T>
struct RowInputGrad {
  const T *g, *x, *w;
  const double *mean, *rstd;
  RowNormShape s;
  T* dx;
  __device__ double weight(int64_t base, int64_t i) const {
    return w ? static_cast<double>(w[base + i / s.inner]) : 1.0;
  }
  __device__ void operator()(int64_t r) const {
    const T *gr = g + r * s.n, *xr = x + r * s.n;
    const double m = mean[r], rs = rstd[r];
    const int64_t base = s.param_base(r);
    double partial_gw = 0, partial_gwx = 0;
    for (int64_t i = threadIdx.x; i < s.n; i += blockDim.x) {
      const double gw = static_cast<double>(gr[i]) * weight(base, i);
      partial_gw += gw;
      partial_gwx += gw * (static_cast<double>(xr[i]) - m) * rs;
    }
    const double mean_gw = block_sum(partial_gw) / static_cast<double>(s.n);
    const double mean_gwx = block_sum(partial_gwx) / static_cast<double>(s.n);
    for (int64_t i = threadIdx.x; i < s.n; i += blockDim.x) {
      const double xhat = (static_cast<double>(xr[i]) - m) * rs;
      dx[r * s.n + i] = static_cast<T>(rs * (static_cast<double>(gr[i]) * weight(base, i) - mean_gw - xhat * mean_gwx));
    }
  }
};

// Weight p = group * channels + k gathers block k of every row of its group.
template <typename T>
struct ParamGrads {
  const T *g, *x;
  const double *mean, *rstd;
  RowNormShape s;
  T *dw, *db;
  __device__ void operator()(int64_t p) const {
    const int64_t group = p / s.channels(), k = p % s.channels();
    double sum_gxhat = 0, sum_g = 0;
    for (int64_t r = group; r < s.rows; r += s.groups) {
      for (int64_t i = 0; i < s.inner; ++i) {
        const int64_t at = r * s.n + k * s.inner + i;
        sum_g += static_cast<double>(g[at]);
        sum_gxhat += static_cast<double>(g[at]) * ((static_cast<double>(x[at]) - mean[r]) * rstd[r]);
      }
    }
    if (dw) dw[p] = static_cast<T>(sum_gxhat);
    if (db) db[p] = static_cast<T>(sum_g);
  }
};

}  // namespace

void normalize_rows(DType dtype, const void* x, const void* w, const void* b, const RowNormShape& s, double eps,
                    void* y, double* mean, double* rstd) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_per_block("normalize_rows", s.rows,
                     RowForward<T>{static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(b), s, eps,
                                   static_cast<T*>(y), mean, rstd});
  });
}

void normalize_rows_backward(DType dtype, const void* g, const void* x, const void* w, const double* mean,
                             const double* rstd, const RowNormShape& s, void* dx, void* dw, void* db) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    const T *gt = static_cast<const T*>(g), *xt = static_cast<const T*>(x);
    if (dx) {
      launch_per_block("normalize_rows_backward", s.rows,
                       RowInputGrad<T>{gt, xt, static_cast<const T*>(w), mean, rstd, s, static_cast<T*>(dx)});
    }
    if (dw || db) {
      launch_indexed("normalize_rows_backward", s.params(),
                     ParamGrads<T>{gt, xt, mean, rstd, s, static_cast<T*>(dw), static_cast<T*>(db)});
    }
  });
}

}  // namespace cr::cuda
