// The coalesced form of an elementwise loop over operands that share one shape, each with its own
// strides (0 on broadcast dims): size-1 dims dropped, neighbouring dims merged wherever every
// operand's memory allows, strides in bytes. Built on the host; the CPU's loops (cpu/loops.h) and
// the GPU's (cuda/strided_launch.cuh) both walk it, so a contiguous or simply broadcast loop is one
// dim long on either device.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

#include "core/shape.h"
#include "core/strided_operand.h"

namespace cr {

template <int N>
struct StridedPlan {
  int ndim = 0;                                    // after coalescing, at least 1
  int64_t sizes[kMaxDims];                         // innermost last
  int64_t strides[N][kMaxDims];                    // in bytes
  std::array<char*, N> base;                       // first element of each operand
  int64_t numel = 1;
};

// Operands: the first element of each and its size in bytes, broadcast to `shape` through
// `strides` (in elements).
template <int N>
StridedPlan<N> make_plan(const Shape& shape, const std::array<char*, N>& base, const std::array<int64_t, N>& item,
                         const std::array<Shape, N>& strides) {
  StridedPlan<N> p;
  p.base = base;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;  // size-1 dims never move a pointer
    p.numel *= shape[d];
    bool merge = p.ndim > 0;
    for (int k = 0; k < N && merge; ++k) {
      merge = p.strides[k][p.ndim - 1] == strides[k][d] * item[k] * shape[d];
    }
    if (merge) {
      p.sizes[p.ndim - 1] *= shape[d];
      for (int k = 0; k < N; ++k) {
        p.strides[k][p.ndim - 1] = strides[k][d] * item[k];
      }
    } else {
      p.sizes[p.ndim] = shape[d];
      for (int k = 0; k < N; ++k) {
        p.strides[k][p.ndim] = strides[k][d] * item[k];
      }
      ++p.ndim;
    }
  }
  if (p.ndim == 0) {  // a single element
    p.ndim = 1;
    p.sizes[0] = 1;
    for (int k = 0; k < N; ++k) p.strides[k][0] = 0;
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) p.numel = 0;
  }
  return p;
}

// An elementwise loop, whose elements may go in any order: the dims are first put in the order of
// the first operand's (the output's) strides, outermost first, so that a permuted but dense output
// and inputs (core/output_layout.h) coalesce into one contiguous row as contiguous ones do.
template <int N>
StridedPlan<N> make_plan(const Shape& shape, const std::array<const StridedOperand*, N>& ops) {
  std::array<size_t, kMaxDims> order{};
  for (size_t d = 0; d < shape.size(); ++d) order[d] = d;
  const Shape& out_strides = ops[0]->strides;
  std::stable_sort(order.begin(), order.begin() + shape.size(),
                   [&](size_t a, size_t b) { return out_strides[a] > out_strides[b]; });
  Shape sizes = shape;
  std::array<char*, N> base;
  std::array<int64_t, N> item;
  std::array<Shape, N> strides;
  for (int k = 0; k < N; ++k) {
    base[k] = ops[k]->data;
    item[k] = ops[k]->itemsize;
    strides[k] = ops[k]->strides;
  }
  for (size_t d = 0; d < shape.size(); ++d) {
    sizes[d] = shape[order[d]];
    for (int k = 0; k < N; ++k) strides[k][d] = ops[k]->strides[order[d]];
  }
  return make_plan<N>(sizes, base, item, strides);
}

}  // namespace cr
