// The two float64 passes of a mean and a biased variance over a contiguous run, shared by the
// normalization kernels (cpu/layer_norm.cpp, cpu/batch_norm.cpp).
#pragma once

#include <cstdint>

namespace cr::cpu {

// sum(x[0, n)) in float64.
template <typename T>
double sum_f64(const T* x, int64_t n) {
  double total = 0;
#pragma omp simd reduction(+ : total)
  for (int64_t i = 0; i < n; ++i) total += x[i];
  return total;
}

// sum((x[i] - m)^2) over x[0, n) in float64.
template <typename T>
double squared_deviations(const T* x, int64_t n, double m) {
  double total = 0;
#pragma omp simd reduction(+ : total)
  for (int64_t i = 0; i < n; ++i) {
    const double d = x[i] - m;
    total += d * d;
  }
  return total;
}

}  // namespace cr::cpu
