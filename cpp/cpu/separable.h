// The kernel behind every separable linear map on image planes, out = R * x * C^T on each (H, W)
// plane with R (Ho x H) and C (Wo x W) sparse: average pooling (plain and adaptive),
// reflect/replicate/circular padding and nearest/linear resampling. Their ops (cpp/ops/separable.cpp
// and its callers) build the two AxisMaps, allocate and record autograd; this only computes.
#pragma once

#include <cstdint>
#include <vector>

#include "cpu/planes.h"

namespace cr::cpu {

// A sparse (out_size x in_size) matrix in CSR form: output i reads taps [start[i], start[i+1]).
struct AxisMap {
  int64_t in_size = 0, out_size = 0;
  std::vector<int64_t> start{0};
  std::vector<int64_t> index;
  std::vector<double> weight;

  explicit AxisMap(int64_t in) : in_size(in) {}
  void tap(int64_t i, double w) { index.push_back(i); weight.push_back(w); }
  void end_output() { start.push_back(static_cast<int64_t>(index.size())); ++out_size; }
  AxisMap transposed() const;  // taps of each input in increasing output order
};

// x (P, H, W) -> out (P, Ho, Wo) = R * x[p] * C^T, R = rows (Ho x H), C = cols (Wo x W); rows null:
// Ho = H and only the width is mapped (1-d maps, H = 1). The weights are applied in T.
template <typename T>
void apply_separable(const T* x, const PlaneShape& s, const AxisMap* rows, const AxisMap& cols, T* out);

}  // namespace cr::cpu
