// batch_norm on a GPU: the kernels of cpu/batch_norm.h, same names and formulas, on contiguous
// device buffers of `dtype` (float32 or float64); statistics are float64 device arrays (C,).
// Pointers marked "or null" may be null.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/norm_shapes.h"

namespace cr::cuda {

// x (N, C, S) -> mean, var (biased), rstd = 1 / sqrt(var + eps) (C,), float64, two passes.
void batch_norm_stats(DType dtype, const void* x, const BatchNormShape& s, double eps, double* mean, double* var,
                      double* rstd);
// y (N, C, S) = (x - mean[c]) * rstd[c] * w[c] + b[c], one affine map per channel; w, b or null.
void batch_norm_apply(DType dtype, const void* x, const double* mean, const double* rstd, const void* w, const void* b,
                      const BatchNormShape& s, void* y);
// running (C, `stride` apart) = (1 - momentum) * running + momentum * stats * scale.
void batch_norm_update_running(DType dtype, const double* stats, int64_t channels, double scale, double momentum,
                               void* running, int64_t stride);
// g, x (N, C, S), w (C,) or null -> dx (N, C, S), dw, db (C,), each or null: the training backward.
void batch_norm_backward(DType dtype, const void* g, const void* x, const void* w, const double* mean,
                         const double* rstd, const BatchNormShape& s, void* dx, void* dw, void* db);

}  // namespace cr::cuda
