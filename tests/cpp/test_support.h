// Helpers shared by the GoogleTest files: reading a tensor's values back as doubles.
#pragma once

#include <vector>

#include "ops/copy.h"

namespace cr::test {

// The elements of t in row-major order, converted to double (any dtype, any layout).
inline std::vector<double> values_of(const Tensor& t) {
  Tensor c = contiguous(to_dtype(t, DType::Float64));
  const double* p = c->data<double>();
  return std::vector<double>(p, p + c->numel());
}

}  // namespace cr::test
