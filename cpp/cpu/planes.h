// The layout of the plane kernels (pooling, padding, resampling): P contiguous planes of
// (height, width), a 1-d signal being a plane of height 1, and the loop that splits planes across
// threads.
#pragma once

#include <algorithm>
#include <cstdint>

#include "core/plane_shape.h"
#include "cpu/parallel.h"

namespace cr::cpu {

// fn(b, e) over planes [0, planes), across threads when planes * plane_work elements are worth it.
template <typename Fn>
void for_planes(int64_t planes, int64_t plane_work, const Fn& fn) {
  if (should_parallelize(planes * plane_work)) {
    parallel_for(0, planes, std::max<int64_t>(1, kMinChunk / std::max<int64_t>(plane_work, 1)), fn);
  } else {
    fn(0, planes);
  }
}

}  // namespace cr::cpu
