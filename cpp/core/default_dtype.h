// The default floating dtype (chainrule.set_default_dtype): what factories give when no dtype is
// passed, and what a Python float becomes in a factory (full, arange, scalar_tensor). float32 or
// float64; float32 unless set. Scalar type promotion (int tensor * 0.5) keeps float32.
#pragma once

#include "core/dtype.h"
#include "core/scalar.h"

namespace cr {

DType default_float_dtype();
void set_default_float_dtype(DType dtype);  // TypeError unless float32 or float64

// The dtype of a tensor made from `s` alone: bool, int64, or the default floating dtype.
inline DType factory_dtype(const Scalar& s) {
  return s.is_floating() ? default_float_dtype() : s.default_dtype();
}

}  // namespace cr
