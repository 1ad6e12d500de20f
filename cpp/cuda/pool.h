// Max pooling on a GPU: the kernels of cpu/pool.h on contiguous device buffers, the windows given
// as device tables (ops/device_tables.h). One thread per output runs core/pool_formulas.h's
// window_max; the backward adds each output's gradient at its index with atomicAdd, so where
// windows overlap the order of the additions (and so the last bit of a float sum) may vary from
// run to run, as on PyTorch's GPU.
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/plane_shape.h"

namespace cr::cuda {

// The windows of a max pool along one axis (cpu::AxisWindows on the device): output i reads
// count[i] inputs from first[i], step apart; first and count are device arrays of `outputs`.
struct DeviceWindows {
  const int64_t* first;
  const int64_t* count;
  int64_t outputs, step;
};

// x (P, H, W) -> y, idx (P, rows.outputs, cols.outputs). float32, float64 and int64.
void max_pool(DType dtype, const void* x, const PlaneShape& s, const DeviceWindows& rows, const DeviceWindows& cols,
              void* y, int64_t* idx);
// g, idx (P, out_plane) -> gx (P, in_plane) += g at idx; an index outside the plane adds nothing.
void max_pool_backward(DType dtype, const void* g, const int64_t* idx, const PooledPlanes& s, void* gx);
// x (P, in_plane), idx (P, out_plane) -> y (P, out_plane) = x at idx, 0 for an index outside the plane.
void max_pool_gather(DType dtype, const void* x, const int64_t* idx, const PooledPlanes& s, void* y);

}  // namespace cr::cuda
