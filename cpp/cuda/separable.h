// The separable linear map on a GPU (cpu/separable.h's contract): out = R * x * C^T on each plane,
// R and C sparse, their CSR tables in device memory (ops/device_tables.h). One thread per output
// element sums its row taps of its column taps, in the CPU's order (columns first).
#pragma once

#include <cstdint>

#include "core/dtype.h"
#include "core/plane_shape.h"

namespace cr::cuda {

// cpu::AxisMap on the device: output i reads taps [start[i], start[i+1]) of (index, weight).
struct DeviceAxisMap {
  const int64_t* start;
  const int64_t* index;
  const double* weight;
  int64_t out_size;
};

// x (P, H, W) -> out (P, Ho, Wo); rows null: Ho = H and only the width is mapped. float32, float64;
// `op` names the caller in errors.
void apply_separable(const char* op, DType dtype, const void* x, const PlaneShape& s, const DeviceAxisMap* rows,
                     const DeviceAxisMap& cols, void* out);

}  // namespace cr::cuda
