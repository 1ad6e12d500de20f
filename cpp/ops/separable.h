// Separable linear maps on image planes: out = R * x * C^T on each (H, W) plane, R (Ho x H) and
// C (Wo x W) sparse. Average pooling (plain and adaptive), reflect/replicate/circular padding and
// nearest/linear/bilinear resampling are all such maps, built by their ops as two AxisMaps; one
// kernel (cpu/separable.h) applies them, and the backward of a map is the map of the transposed
// matrices (recorded again, so every order of derivative works).
#pragma once

#include <memory>
#include <string>

#include "core/tensor.h"
#include "cpu/separable.h"

namespace cr {

// The ops build the kernel's sparse per-axis matrices directly.
using cpu::AxisMap;

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
