// The max-pooling kernels, forward and backward, on contiguous planes (cpu/planes.h): the max of
// each window with its flat index in the plane (h * W + w), the scatter-add of the gradient through
// those indices, and the gather by the same indices that is the scatter's own backward. Plain and
// adaptive max pooling share them; their ops (cpp/ops/pool.cpp, adaptive_pool.cpp,
// pool_backward.cpp) check the arguments, build the windows, allocate and record autograd.
// Average pooling is a separable map (cpu/separable.h).
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/planes.h"

namespace cr::cpu {

// The windows of a max pool along one axis: output i reads count[i] inputs from first[i], step apart.
// Outputs [uniform_begin, uniform_end) hold whole windows `stride` apart (the kernel's fast path).
struct AxisWindows {
  std::vector<int64_t> first, count;
  int64_t step = 1;
  int64_t uniform_begin = 0, uniform_end = 0, stride = 0;
};

// x (P, H, W) -> y, idx (P, Ho, Wo), Ho = rows.first.size(), Wo = cols.first.size(): the max of
// each window (the rows' windows by the columns'), and its index in the plane. Ties pick the first
// maximum in row-major window order, a NaN is always picked; an empty window gives the lowest
// value and the index of its first tap.
template <typename T>
void max_pool(const T* x, const PlaneShape& s, const AxisWindows& rows, const AxisWindows& cols, T* y, int64_t* idx);

// g, idx (P, out_plane) -> gx (P, in_plane) += g at idx, plane by plane; an index outside the plane
// adds nothing. gx is zeroed by the caller.
template <typename T>
void max_pool_backward(const T* g, const int64_t* idx, const PooledPlanes& s, T* gx);

// x (P, in_plane), idx (P, out_plane) -> y (P, out_plane) = x at idx, plane by plane; 0 for an
// index outside the plane. The backward of max_pool_backward.
template <typename T>
void max_pool_gather(const T* x, const int64_t* idx, const PooledPlanes& s, T* y);

}  // namespace cr::cpu
