// The batch_norm kernels, forward and backward, on contiguous float/double buffers viewed as
// (N, C, S), S the product of the spatial dims. cpp/ops/batch_norm.cpp checks the arguments,
// allocates and records autograd; these only compute.
#pragma once

#include <cstdint>

#include "core/norm_shapes.h"

namespace cr::cpu {

// x (N, C, S) -> mean, var (C,): each channel's float64 mean and biased variance (two passes),
// and rstd (C,) = 1 / sqrt(var + eps).
template <typename T>
void batch_norm_stats(const T* x, const BatchNormShape& s, double eps, double* mean, double* var, double* rstd);

// x (N, C, S), mean, rstd (C,), w, b (C,) or null -> y (N, C, S) = (x - mean[c]) * rstd[c] * w[c] + b[c],
// applied as one float affine map per channel.
template <typename T>
void batch_norm_apply(const T* x, const double* mean, const double* rstd, const T* w, const T* b,
                      const BatchNormShape& s, T* y);

// stats (C,) -> running (C, `stride` apart): running = (1 - momentum) * running + momentum * stats * scale
// (scale turns a biased variance into the unbiased one).
template <typename T>
void batch_norm_update_running(const double* stats, int64_t channels, double scale, double momentum, T* running,
                               int64_t stride);

// g, x (N, C, S), w (C,) or null, mean, rstd (C,) -> dx (N, C, S), dw, db (C,): the gradients of the
// training forward, one fused pass per channel; a null output is not computed.
template <typename T>
void batch_norm_backward(const T* g, const T* x, const T* w, const double* mean, const double* rstd,
                         const BatchNormShape& s, T* dx, T* dw, T* db);

}  // namespace cr::cpu
