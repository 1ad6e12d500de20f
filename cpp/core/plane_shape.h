// The plane layouts of the pooling, padding and resampling kernels on either device: P contiguous
// planes of (height, width), a 1-d signal being a plane of height 1 (PlaneShape), and the input and
// output planes of a pool seen through its saved indices (PooledPlanes).
#pragma once

#include <cstdint>

namespace cr {

struct PlaneShape {
  int64_t planes, height, width;
};

// Planes of `in_plane` input and `out_plane` output elements each.
struct PooledPlanes {
  int64_t planes, in_plane, out_plane;
};

}  // namespace cr
