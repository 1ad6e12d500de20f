// The "normalize rows" kernels under layer_norm and group_norm, forward and backward, on
// contiguous float/double buffers. cpp/ops/layer_norm.cpp checks the arguments, allocates and
// records autograd; these only compute.
#pragma once

#include <cstdint>

namespace cr::cpu {

// x is (rows, n); each row is channels() blocks of `inner` elements, and block k of row r uses the
// affine weight and bias at param_base(r) + k. layer_norm: rows = leading elements, groups = 1,
// inner = 1 (a weight per element); group_norm: rows = N * groups, inner = spatial size (a weight
// per channel).
struct RowNormShape {
  int64_t rows, n, groups, inner;
  int64_t channels() const { return inner == 0 ? 0 : n / inner; }
  int64_t params() const { return groups * channels(); }
  int64_t param_base(int64_t r) const { return r % groups * channels(); }
};

// x (rows, n) -> y (rows, n) = (x - mean) * rstd * w + b, and each row's float64 mean and
// rstd = 1 / sqrt(biased var + eps) (rows,). w, b (params(),) may be null.
template <typename T>
void normalize_rows(const T* x, const T* w, const T* b, const RowNormShape& s, double eps, T* y, double* mean,
                    double* rstd);

// g, x (rows, n), w (params(),) or null, mean, rstd (rows,) -> dx (rows, n), dw, db (params(),):
// the gradients of normalize_rows; a null output is not computed.
template <typename T>
void normalize_rows_backward(const T* g, const T* x, const T* w, const double* mean, const double* rstd,
                             const RowNormShape& s, T* dx, T* dw, T* db);

}  // namespace cr::cpu
