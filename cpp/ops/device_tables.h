// Small constant tables a GPU kernel reads: pooling windows, the taps of a separable map. Each is
// uploaded once per content and device and then kept, because an upload from host memory waits for
// the GPU: a training step that repeats its geometry uploads nothing after its first run. The
// cache holds at most a few hundred tables and starts afresh when full.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace cr {

// A 1-d int64 (or float64) tensor on `device` holding `values`; the same tensor for the same values.
Tensor device_table(const std::vector<int64_t>& values, Device device);
Tensor device_table(const std::vector<double>& values, Device device);
// A 1-d int64 tensor on `device` holding `values`, uploaded every call (for tables that change from
// call to call, such as the offsets of an index tensor's values).
Tensor device_copy(const std::vector<int64_t>& values, Device device);

}  // namespace cr
