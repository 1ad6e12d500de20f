// The "normalize rows" kernels under layer_norm and group_norm, forward and backward, on
// contiguous float/double buffers. cpp/ops/layer_norm.cpp checks the arguments, allocates and
// records autograd; these only compute.
#pragma once

#include <cstdint>

#include "core/norm_shapes.h"

namespace cr::cpu {

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
