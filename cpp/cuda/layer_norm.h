// The "normalize rows" kernels under layer_norm and group_norm on a GPU: cpu/layer_norm.h's
// contract on contiguous device buffers of `dtype` (float32 or float64); mean and rstd are float64
// device arrays (rows,). Pointers marked "or null" may be null.
#pragma once

#include "core/dtype.h"
#include "core/norm_shapes.h"

namespace cr::cuda {

// x (rows, n) -> y = (x - mean) * rstd * w + b, mean, rstd (rows,); w, b (params(),) or null.
void normalize_rows(DType dtype, const void* x, const void* w, const void* b, const RowNormShape& s, double eps,
                    void* y, double* mean, double* rstd);
// g, x (rows, n), w or null -> dx (rows, n), dw, db (params(),), each or null.
void normalize_rows_backward(DType dtype, const void* g, const void* x, const void* w, const double* mean,
                             const double* rstd, const RowNormShape& s, void* dx, void* dw, void* db);

}  // namespace cr::cuda
