// The class-index loss kernels declared in cpu/loss_nll.h. Forward and backward run over batch
// entries split across threads; a position's C values are adjacent when inner == 1 (the common
// (N, C) case, its own instantiation) and `inner` apart otherwise. Float exponentials come from
// cpu/vec_math.h, so the class loops vectorize.
#include "cpu/loss_nll.h"

#include <algorithm>
#include <cmath>

#include "cpu/parallel.h"
#include "cpu/vec_math.h"

namespace cr::cpu {

namespace {

// Positions [b, e) of batch entries: lse (from logits) and the nll / smoothing terms.
// kUnit: inner == 1, so the C values of a position are adjacent.
template <typename T, bool kFromLogits, bool kUnit>
void forward_range(const T* x, const int64_t* target, const T* w, const ClassLossShape& L, T* lse, double* nll,
                   double* smooth, int64_t b, int64_t e) {
  const int64_t C = L.classes, inner = kUnit ? 1 : L.inner, stride = kUnit ? 1 : L.inner;
  for (int64_t n = b; n < e; ++n) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t pos = n * inner + j, t = target[pos];
      const T* row = x + n * C * inner + j;
      if (t == L.ignore_index) {
        nll[pos] = 0;
        if (smooth) smooth[pos] = 0;
        continue;
      }
      const T wt = w ? w[t] : T(1);
      if constexpr (!kFromLogits) {
        nll[pos] = -static_cast<double>(row[t * stride]) * wt;
        continue;
      } else {
        T m = row[0];
#pragma omp simd reduction(max : m)
        for (int64_t c = 1; c < C; ++c) m = std::max(m, row[c * stride]);
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t c = 0; c < C; ++c) s += vec::exp(row[c * stride] - m);
        const T l = m + std::log(s);
        lse[pos] = l;
        nll[pos] = -static_cast<double>(row[t * stride] - l) * wt;
        if (smooth) {  // -sum_c w_c (x_c - lse)
          double weighted = 0;
          for (int64_t c = 0; c < C; ++c) weighted += static_cast<double>(w ? w[c] : T(1)) * row[c * stride];
          smooth[pos] = L.weight_total * l - weighted;
        }
      }
    }
  }
}

// Runs fn(b, e) over batch entries, split across threads when the input is large.
template <typename Fn>
void for_batches(const ClassLossShape& L, const Fn& fn) {
  const int64_t per_entry = std::max<int64_t>(1, L.classes * L.inner);
  if (should_parallelize(L.n * per_entry)) {
    parallel_for(0, L.n, std::max<int64_t>(1, kMinChunk / per_entry), fn);
  } else {
    fn(0, L.n);
  }
}

template <typename T, bool kFromLogits>
void forward(const T* x, const int64_t* target, const T* w, const ClassLossShape& L, T* lse, double* nll,
             double* smooth) {
  for_batches(L, [&](int64_t b, int64_t e) {
    if (L.inner == 1) forward_range<T, kFromLogits, true>(x, target, w, L, lse, nll, smooth, b, e);
    else forward_range<T, kFromLogits, false>(x, target, w, L, lse, nll, smooth, b, e);
  });
}

// eps / C, the smoothing's share of each class.
double smoothing_per_class(const ClassLossShape& s) {
  return s.classes ? s.smoothing / static_cast<double>(s.classes) : 0.0;
}

// The A and B factors of one position (without the incoming gradient); 0 when ignored.
template <typename T>
void position_factors(const ClassLossShape& L, int64_t t, const T* w, T& A, T& B) {
  if (t == L.ignore_index) {
    A = B = 0;
    return;
  }
  A = static_cast<T>((1 - L.smoothing) * (w ? static_cast<double>(w[t]) : 1.0) * L.scale);
  B = static_cast<T>(L.smoothing / static_cast<double>(L.classes) * L.scale);
}

// dx (N, C, inner) from the incoming gradient g (one value, or one per position).
template <typename T, bool kFromLogits, bool kUnit>
void backward_range(const T* x, const T* lse, const int64_t* target, const T* w, const T* g, bool g_per_position,
                    const ClassLossShape& L, T* dx, int64_t b, int64_t e) {
  const int64_t C = L.classes, inner = kUnit ? 1 : L.inner, stride = kUnit ? 1 : L.inner;
  for (int64_t n = b; n < e; ++n) {
    for (int64_t j = 0; j < inner; ++j) {
      const int64_t pos = n * inner + j, t = target[pos], at = n * C * inner + j;
      T* out = dx + at;
      if (!kFromLogits || t == L.ignore_index) {
        for (int64_t c = 0; c < C; ++c) out[c * stride] = T(0);
        if (t == L.ignore_index) continue;
      }
      const T gv = g[g_per_position ? pos : 0];
      T A, B;
      position_factors(L, t, w, A, B);
      A *= gv, B *= gv;
      if constexpr (kFromLogits) {
        const T* row = x + at;
        const T coef = A + B * static_cast<T>(L.weight_total), l = lse[pos];
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) out[c * stride] = coef * vec::exp(row[c * stride] - l) - B;
        if (w) {  // the smoothing term is B w_c, not B
#pragma omp simd
          for (int64_t c = 0; c < C; ++c) out[c * stride] += B * (T(1) - w[c]);
        }
      }
      out[t * stride] -= A;
    }
  }
}

template <typename T, bool kFromLogits>
void backward(const T* x, const T* lse, const int64_t* target, const T* w, const T* g, bool g_per_position,
              const ClassLossShape& L, T* dx) {
  for_batches(L, [&](int64_t b, int64_t e) {
    if (L.inner == 1) backward_range<T, kFromLogits, true>(x, lse, target, w, g, g_per_position, L, dx, b, e);
    else backward_range<T, kFromLogits, false>(x, lse, target, w, g, g_per_position, L, dx, b, e);
  });
}

}  // namespace

template <typename T>
double class_weight_total(const T* w, int64_t classes) {
  if (!w) return static_cast<double>(classes);
  double total = 0;
  for (int64_t c = 0; c < classes; ++c) total += w[c];
  return total;
}

template <typename T>
double kept_target_weight(const int64_t* target, const T* w, const ClassLossShape& s) {
  double kept = 0;
  for (int64_t i = 0; i < s.n * s.inner; ++i) {
    if (target[i] != s.ignore_index) kept += w ? static_cast<double>(w[target[i]]) : 1.0;
  }
  return kept;
}

template <typename T>
void cross_entropy_terms(const T* x, const int64_t* target, const T* w, const ClassLossShape& s, T* lse, double* nll,
                         double* smooth) {
  forward<T, true>(x, target, w, s, lse, nll, smooth);
}

template <typename T>
void nll_loss_terms(const T* x, const int64_t* target, const T* w, const ClassLossShape& s, double* nll) {
  forward<T, false>(x, target, w, s, nullptr, nll, nullptr);
}

template <typename T>
void class_loss_per_position(const double* nll, const double* smooth, const ClassLossShape& s, T* out) {
  const double eps_c = smoothing_per_class(s);
  for (int64_t i = 0; i < s.n * s.inner; ++i) {
    out[i] = static_cast<T>((1 - s.smoothing) * nll[i] + (smooth ? eps_c * smooth[i] : 0.0));
  }
}

double class_loss_total(const double* nll, const double* smooth, const ClassLossShape& s) {
  double nll_sum = 0, smooth_sum = 0;
  for (int64_t i = 0; i < s.n * s.inner; ++i) {
    nll_sum += nll[i];
    if (smooth) smooth_sum += smooth[i];
  }
  return s.scale * ((1 - s.smoothing) * nll_sum + (s.smoothing > 0 ? smoothing_per_class(s) * smooth_sum : 0.0));
}

template <typename T>
void cross_entropy_backward(const T* x, const T* lse, const int64_t* target, const T* w, const T* g,
                            bool g_per_position, const ClassLossShape& s, T* dx) {
  backward<T, true>(x, lse, target, w, g, g_per_position, s, dx);
}

template <typename T>
void nll_loss_backward(const int64_t* target, const T* w, const T* g, bool g_per_position, const ClassLossShape& s,
                       T* dx) {
  backward<T, false>(nullptr, nullptr, target, w, g, g_per_position, s, dx);
}

template <typename T>
void class_loss_gradient_constants(const int64_t* target, const T* w, const ClassLossShape& s, T* k, T* q) {
  for (int64_t n = 0; n < s.n; ++n) {
    for (int64_t j = 0; j < s.inner; ++j) {
      const int64_t pos = n * s.inner + j, t = target[pos];
      if (t == s.ignore_index) continue;
      T A, B;
      position_factors(s, t, w, A, B);
      k[pos] = A + B * static_cast<T>(s.weight_total);
      for (int64_t c = 0; c < s.classes; ++c) q[(n * s.classes + c) * s.inner + j] = B * (w ? w[c] : T(1));
      q[(n * s.classes + t) * s.inner + j] += A;
    }
  }
}

#define CR_LOSS_NLL_INSTANTIATE(T)                                                                                 \
  template double class_weight_total<T>(const T*, int64_t);                                                        \
  template double kept_target_weight<T>(const int64_t*, const T*, const ClassLossShape&);                          \
  template void cross_entropy_terms<T>(const T*, const int64_t*, const T*, const ClassLossShape&, T*, double*,     \
                                       double*);                                                                   \
  template void nll_loss_terms<T>(const T*, const int64_t*, const T*, const ClassLossShape&, double*);             \
  template void class_loss_per_position<T>(const double*, const double*, const ClassLossShape&, T*);               \
  template void cross_entropy_backward<T>(const T*, const T*, const int64_t*, const T*, const T*, bool,            \
                                          const ClassLossShape&, T*);                                              \
  template void nll_loss_backward<T>(const int64_t*, const T*, const T*, bool, const ClassLossShape&, T*);         \
  template void class_loss_gradient_constants<T>(const int64_t*, const T*, const ClassLossShape&, T*, T*);
CR_LOSS_NLL_INSTANTIATE(float)
CR_LOSS_NLL_INSTANTIATE(double)
#undef CR_LOSS_NLL_INSTANTIATE

}  // namespace cr::cpu
