// The layouts of the normalization kernels on either device: batch_norm's (N, C, S) view
// (BatchNormShape) and the rows that layer_norm and group_norm normalize (RowNormShape).
#pragma once

#include <cstdint>

#include "core/formula.h"

namespace cr {

// The input as (N, C, S), S the product of the spatial dims; statistics are per channel over N * S
// elements.
struct BatchNormShape {
  int64_t n, c, s;
  CR_FORMULA int64_t per_channel() const { return n * s; }
  CR_FORMULA int64_t numel() const { return n * c * s; }
  // Element e (of per_channel()) of channel c, as an offset into the (N, C, S) input.
  CR_FORMULA int64_t offset(int64_t c_, int64_t e) const { return (e / s * c + c_) * s + e % s; }
};

// x is (rows, n); each row is channels() blocks of `inner` elements, and block k of row r uses the
// affine weight and bias at param_base(r) + k. layer_norm: rows = leading elements, groups = 1,
// inner = 1 (a weight per element); group_norm: rows = N * groups, inner = spatial size (a weight
// per channel).
struct RowNormShape {
  int64_t rows, n, groups, inner;
  CR_FORMULA int64_t channels() const { return inner == 0 ? 0 : n / inner; }
  CR_FORMULA int64_t params() const { return groups * channels(); }
  CR_FORMULA int64_t param_base(int64_t r) const { return r % groups * channels(); }
};

}  // namespace cr
