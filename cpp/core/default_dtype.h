// The default floating dtype (chainrule.set_default_dtype): what factories give when no dtype is
// passed and what a Python float becomes (Scalar::default_dtype, so also in type promotion:
// int_tensor * 0.5). float32 or float64; float32 unless set.
#pragma once

#include "core/dtype.h"

namespace cr {

DType default_float_dtype();
void set_default_float_dtype(DType dtype);  // TypeError unless float32 or float64

}  // namespace cr
