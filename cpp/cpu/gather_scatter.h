// The kernels of gather and scatter/scatter_add along one dim, on strided operands: one line of
// `dim` per position of index's other dims, lines split across threads (each line writes its own
// positions, so writes never race). cpp/ops/gather_scatter.cpp checks shapes, dtypes and every
// index value, allocates and records autograd; these only move values.
#pragma once

#include <cstdint>

#include "core/shape.h"

namespace cr::cpu {

// Three operands walked over index's sizes: the one written, index, the one read, each with its
// own strides (in elements). The operand that index addresses (gather's input, scatter's self)
// moves by its stride at `dim` per index value; the others follow the position along dim.
struct DimIndexShape {
  Shape sizes;        // index's sizes
  int64_t dim;        // the dim along which index picks
  Shape strides[3];   // written, index, read
};

// out, index, input -> out: out[pos] = input[pos with coordinate dim replaced by index[pos]].
template <typename T>
void gather_kernel(T* out, const int64_t* index, const T* input, const DimIndexShape& s);
// self, index, src -> self: self[pos with coordinate dim replaced by index[pos]] = src[pos]
// (+= when accumulate; never for bool), for every position of index.
template <typename T>
void scatter_kernel(T* self, const int64_t* index, const T* src, const DimIndexShape& s, bool accumulate);

}  // namespace cr::cpu
