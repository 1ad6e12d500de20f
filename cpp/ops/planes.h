// The image-plane layout shared by pooling, padding and resampling: a tensor whose last 1 or 2
// dims are spatial is read as P = prod(batch dims) contiguous planes of (height, width); a 1-d
// signal (.., L) is a plane of height 1. Outputs take the batch dims back with new spatial sizes.
#pragma once

#include <unistd.h>

#include "core/tensor.h"
#include "cpu/planes.h"

namespace cr {

struct PlaneLayout {
  Shape batch;            // the leading dims, e.g. (N, C) or (C,)
  int spatial = 2;        // 1: (.., L) signals; 2: (.., H, W) images
  int64_t planes = 1;     // prod(batch)
  int64_t height = 1;     // 1 when spatial == 1
  int64_t width = 1;

  // batch + (h, w), or batch + (w) for 1-d layouts.
  Shape with_spatial(int64_t h, int64_t w) const {
    Shape s = batch;
    if (spatial == 2) s.push_back(h);
    s.push_back(w);
    return s;
  }
  // The kernels' view: planes of (height, width).
  PlaneShape shape() const { return {planes, height, width}; }
};

// The layout of t's last `spatial` dims; the caller has checked t->dim() >= spatial.
inline PlaneLayout plane_layout(const Tensor& t, int spatial) {
  PlaneLayout l;
  l.spatial = spatial;
  const int64_t nbatch = t->dim() - spatial;
  for (int64_t d = 0; d < nbatch; ++d) {
    l.batch.push_back(t->size(d));
    l.planes *= t->size(d);
  }
  if (spatial == 2) l.height = t->size(nbatch);
  l.width = t->size(t->dim() - 1);
  return l;
}

// Rejects an output of l's planes with spatial sizes (h, w) that, with its per-output bookkeeping
// (window lists, resampling maps: at least 16 bytes for each output row and column), overflows or
// exceeds this machine's physical memory: a RuntimeError naming op and the shape, before that
// bookkeeping is built (it would otherwise run first for minutes, or be killed for memory).
inline void check_plane_output_fits(const PlaneLayout& l, int64_t h, int64_t w, DType dtype, const char* op) {
  const uint64_t memory = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  constexpr uint64_t kBookkeepingBytes = 16;
  uint64_t bytes = itemsize(dtype), tables = 0;
  bool overflow = false;
  for (int64_t n : {l.planes, h, w}) overflow |= __builtin_mul_overflow(bytes, static_cast<uint64_t>(n), &bytes);
  overflow |= __builtin_mul_overflow(static_cast<uint64_t>(h) + static_cast<uint64_t>(w), kBookkeepingBytes, &tables);
  overflow |= __builtin_add_overflow(bytes, tables, &bytes);
  CR_CHECK(!overflow && bytes <= memory, RuntimeError, op, ": the output of shape ", l.with_spatial(h, w),
           " and its per-output tables would need ", overflow ? std::string("more than 2**64") : std::to_string(bytes),
           " bytes, more than this machine's ", memory, " bytes of memory");
}

// True when an output of l's planes with spatial sizes (h, w) has no element. The adaptive pools
// then return it without building any per-output table (an empty batch bounds nothing), as
// PyTorch returns the empty result.
inline bool plane_output_is_empty(const PlaneLayout& l, int64_t h, int64_t w) {
  return l.planes == 0 || h == 0 || w == 0;
}

}  // namespace cr
