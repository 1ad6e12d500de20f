// In-place random fills from the global seeded generator (Tensor.uniform_, Tensor.normal_), the
// building blocks of chainrule.nn.init.
#pragma once

#include "core/tensor.h"

namespace cr {

// t[...] = samples of U[from, to). t must be float32 or float64 and from <= to.
void uniform_(const Tensor& t, double from, double to);
// t[...] = samples of N(mean, std^2). t must be float32 or float64 and std >= 0.
void normal_(const Tensor& t, double mean, double std);

}  // namespace cr
