// batch_norm on a GPU (cuda/batch_norm.h): statistics and backward take one block per channel
// (float64 sums through block_sum); the affine map and the running update one thread per element.
#include <cmath>

#include "cuda/batch_norm.h"
#include "cuda/block_sum.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct ChannelStats {
  const T* x;
  BatchNormShape s;
  double eps;
  double *mean, *var, *rstd;
  __device__ void operator()(int64_t c) const {
    const int64_t count = s.per_channel();
    double total = 0, squares = 0;
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) total += static_cast<double>(x[s.offset(c, e)]);
    const double m = block_sum(total) / static_cast<double>(count);
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const double d = static_cast<double>(x[s.offset(c, e)]) - m;
      squares += d * d;
    }
    const double v = block_sum(squares) / static_cast<double>(count);
    if (threadIdx.x == 0) mean[c] = m, var[c] = v, rstd[c] = 1 / sqrt(v + eps);
  }
};

template <typename T>
struct ChannelAffine {
  const T* x;
  const double *mean, *rstd;
  const T *w, *b;
  BatchNormShape s;
  T* y;
  __device__ void operator()(int64_t i) const {
    const int64_t c = i / s.s % s.c;
    const double k = rstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
    const T scale = static_cast<T>(k), shift = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - mean[c] * k);
    y[i] = x[i] * scale + shift;
  }
};

template <typename T>
struct RunningUpdate {
  const double* stats;
  double scale, momentum;
  T* running;
  int64_t stride;
  __device__ void operator()(int64_t c) const {
    T& r = running[c * stride];
    r = static_cast<T>((1 - momentum) * static_cast<double>(r) + momentum * (stats[c] * scale));
  }
};

// grad_bias = sum(g), grad_weight = sum(g * xhat), dx = a * g + b * x + k0 (cpu/batch_norm.cpp's
// expansion of w * rstd * (g - mean(g) - xhat * mean(g * xhat))).
template <typename T>
struct ChannelBackward {
  const T *g, *x, *w;
  const double *mean, *rstd;
  BatchNormShape s;
  T *dx, *dw, *db;
  __device__ void operator()(int64_t c) const {
    const int64_t count = s.per_channel();
    const double m = mean[c];
    double partial_g = 0, partial_gx = 0;
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const int64_t at = s.offset(c, e);
      partial_g += static_cast<double>(g[at]);
      partial_gx += static_cast<double>(g[at]) * (static_cast<double>(x[at]) - m);
    }
    const double sum_g = block_sum(partial_g), sum_gx = block_sum(partial_gx);
    if (threadIdx.x == 0 && dw) dw[c] = static_cast<T>(sum_gx * rstd[c]);
    if (threadIdx.x == 0 && db) db[c] = static_cast<T>(sum_g);
    if (!dx) return;
    const double a = (w ? static_cast<double>(w[c]) : 1.0) * rstd[c];
    const double b = -a * rstd[c] * rstd[c] * sum_gx / static_cast<double>(count);
    const T ta = static_cast<T>(a), tb = static_cast<T>(b);
    const T tk = static_cast<T>(-a * sum_g / static_cast<double>(count) - b * m);
    for (int64_t e = threadIdx.x; e < count; e += blockDim.x) {
      const int64_t at = s.offset(c, e);
      dx[at] = ta * g[at] + tb * x[at] + tk;
    }
  }
};

}  // namespace

void batch_norm_stats(DType dtype, const void* x, const BatchNormShape& s, double eps, double* mean, double* var,
                      double* rstd) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_per_block("batch_norm", s.c, ChannelStats<T>{static_cast<const T*>(x), s, eps, mean, var, rstd});
  });
}

void batch_norm_apply(DType dtype, const void* x, const double* mean, const double* rstd, const void* w, const void* b,
                      const BatchNormShape& s, void* y) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("batch_norm", s.numel(),
                   ChannelAffine<T>{static_cast<const T*>(x), mean, rstd, static_cast<const T*>(w),
                                    static_cast<const T*>(b), s, static_cast<T*>(y)});
  });
}

void batch_norm_update_running(DType dtype, const double* stats, int64_t channels, double scale, double momentum,
                               void* running, int64_t stride) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("batch_norm", channels, RunningUpdate<T>{stats, scale, momentum, static_cast<T*>(running), stride});
  });
}

void batch_norm_backward(DType dtype, const void* g, const void* x, const void* w, const double* mean,
                         const double* rstd, const BatchNormShape& s, void* dx, void* dw, void* db) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_per_block("batch_norm_backward", s.c,
                     ChannelBackward<T>{static_cast<const T*>(g), static_cast<const T*>(x), static_cast<const T*>(w),
                                        mean, rstd, s, static_cast<T*>(dx), static_cast<T*>(dw),
                                        static_cast<T*>(db)});
  });
}

}  // namespace cr::cuda
