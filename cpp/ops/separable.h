// Separable linear maps on image planes: out = R * x * C^T on each (H, W) plane, R (Ho x H) and
// C (Wo x W) sparse. Average pooling (plain and adaptive), reflect/replicate/circular padding and
// nearest/linear/bilinear resampling are all such maps, built by their ops as two AxisMaps; one
// kernel applies them, and the backward of a map is the map of the transposed matrices (recorded
// again, so every order of derivative works).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace cr {

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

struct SeparableMap {
  std::shared_ptr<const AxisMap> rows;  // over dim -2; null for 1-d maps (height 1 kept)
  std::shared_ptr<const AxisMap> cols;  // over dim -1
  int spatial = 2;                      // 1: the input is (.., L); 2: (.., H, W)
  std::string op;                       // the op's name, for errors ("avg_pool2d")
  std::string node, adjoint_node;       // autograd names of this map and of its transpose

  SeparableMap adjoint() const;
};

// map applied to x (floating, any batch dims before the spatial ones); recorded for autograd.
Tensor apply_separable(const Tensor& x, const SeparableMap& map);

}  // namespace cr
