// The batch_norm kernels declared in cpu/batch_norm.h. Statistics and backward run one parallel
// pass over channels (each channel's N blocks of S elements, accumulated in float64); the affine
// map runs over every (n, c) block in parallel with float coefficients.
#include "cpu/batch_norm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "cpu/moments.h"
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

// fn(c) for every channel, split across threads when the input is large.
template <typename Fn>
void for_each_channel(const BatchNormShape& l, const Fn& fn) {
  auto range = [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) fn(c);
  };
  if (should_parallelize(l.numel())) {
    parallel_for(0, l.c, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, l.per_channel())), range);
  } else {
    range(0, l.c);
  }
}

// Channel c's mean and biased variance; x is (N, C, S).
template <typename T>
void channel_stats(const T* x, const BatchNormShape& l, int64_t c, double& mean, double& var) {
  double total = 0, squares = 0;
  for (int64_t n = 0; n < l.n; ++n) total += sum_f64(x + (n * l.c + c) * l.s, l.s);
  mean = total / static_cast<double>(l.per_channel());
  for (int64_t n = 0; n < l.n; ++n) squares += squared_deviations(x + (n * l.c + c) * l.s, l.s, mean);
  var = squares / static_cast<double>(l.per_channel());
}

// y = x * scale[c] + shift[c] for every (n, c) block of S elements; x and y are (N, C, S).
template <typename T>
void channel_affine(const T* x, T* y, const T* scale, const T* shift, const BatchNormShape& l) {
  auto blocks = [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const T k = scale[nc % l.c], m = shift[nc % l.c];
      const T* in = x + nc * l.s;
      T* out = y + nc * l.s;
#pragma omp simd
      for (int64_t i = 0; i < l.s; ++i) out[i] = in[i] * k + m;
    }
  };
  if (should_parallelize(l.numel())) {
    parallel_for(0, l.n * l.c, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(1, l.s)), blocks);
  } else {
    blocks(0, l.n * l.c);
  }
}

// sum_g += sum(g), sum_gx += sum(g * (x - m)) over one contiguous block of n elements.
template <typename T>
void block_sums(const T* g, const T* x, int64_t n, double m, double& sum_g, double& sum_gx) {
  double a = 0, b = 0;
#pragma omp simd reduction(+ : a, b)
  for (int64_t i = 0; i < n; ++i) {
    a += g[i];
    b += g[i] * (x[i] - m);
  }
  sum_g += a;
  sum_gx += b;
}

// dx = a * g + b * x + k over one contiguous block of n elements.
template <typename T>
void block_linear(const T* g, const T* x, T* dx, int64_t n, T a, T b, T k) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) dx[i] = a * g[i] + b * x[i] + k;
}

}  // namespace

template <typename T>
void batch_norm_stats(const T* x, const BatchNormShape& s, double eps, double* mean, double* var, double* rstd) {
  for_each_channel(s, [&](int64_t c) {
    channel_stats(x, s, c, mean[c], var[c]);
    rstd[c] = 1 / std::sqrt(var[c] + eps);
  });
}

template <typename T>
void batch_norm_apply(const T* x, const double* mean, const double* rstd, const T* w, const T* b,
                      const BatchNormShape& s, T* y) {
  std::vector<T> scale(s.c), shift(s.c);  // the per-channel map, weight and bias folded in
  for (int64_t c = 0; c < s.c; ++c) {
    const double k = rstd[c] * (w ? static_cast<double>(w[c]) : 1.0);
    scale[c] = static_cast<T>(k);
    shift[c] = static_cast<T>((b ? static_cast<double>(b[c]) : 0.0) - mean[c] * k);
  }
  channel_affine(x, y, scale.data(), shift.data(), s);
}

template <typename T>
void batch_norm_update_running(const double* stats, int64_t channels, double scale, double momentum, T* running,
                               int64_t stride) {
  for (int64_t c = 0; c < channels; ++c) {
    T& r = running[c * stride];
    r = static_cast<T>((1 - momentum) * static_cast<double>(r) + momentum * (stats[c] * scale));
  }
}

// One pass per channel: grad_bias = sum(g), grad_weight = sum(g * xhat) and
// dx = w * rstd * (g - mean(g) - xhat * mean(g * xhat)).
template <typename T>
void batch_norm_backward(const T* g, const T* x, const T* w, const double* mean, const double* rstd,
                         const BatchNormShape& s, T* dx, T* dw, T* db) {
  const double count = static_cast<double>(s.per_channel());
  for_each_channel(s, [&](int64_t c) {
    const double m = mean[c];
    double sum_g = 0, sum_gx = 0;  // sum(g), sum(g * (x - mean))
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t at = (n * s.c + c) * s.s;
      block_sums(g + at, x + at, s.s, m, sum_g, sum_gx);
    }
    if (dw) dw[c] = static_cast<T>(sum_gx * rstd[c]);
    if (db) db[c] = static_cast<T>(sum_g);
    if (!dx) return;
    // dx = a * g + b * x + k0, the formula above expanded with xhat = (x - mean) * rstd
    const double a = (w ? static_cast<double>(w[c]) : 1.0) * rstd[c];
    const double b = -a * rstd[c] * rstd[c] * sum_gx / count;
    const T ta = static_cast<T>(a), tb = static_cast<T>(b), tk = static_cast<T>(-a * sum_g / count - b * m);
    for (int64_t n = 0; n < s.n; ++n) {
      const int64_t at = (n * s.c + c) * s.s;
      block_linear(g + at, x + at, dx + at, s.s, ta, tb, tk);
    }
  });
}

#define CR_BATCH_NORM_INSTANTIATE(T)                                                                         \
  template void batch_norm_stats<T>(const T*, const BatchNormShape&, double, double*, double*, double*);      \
  template void batch_norm_apply<T>(const T*, const double*, const double*, const T*, const T*,              \
                                    const BatchNormShape&, T*);                                              \
  template void batch_norm_update_running<T>(const double*, int64_t, double, double, T*, int64_t);           \
  template void batch_norm_backward<T>(const T*, const T*, const T*, const double*, const double*,           \
                                       const BatchNormShape&, T*, T*, T*);
CR_BATCH_NORM_INSTANTIATE(float)
CR_BATCH_NORM_INSTANTIATE(double)
#undef CR_BATCH_NORM_INSTANTIATE

}  // namespace cr::cpu
