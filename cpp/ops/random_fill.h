// In-place random fills from a seeded generator (the global one unless given) (Tensor.uniform_, Tensor.normal_), the
// building blocks of chainrule.nn.init.
#pragma once

#include "core/random.h"
#include "core/tensor.h"

namespace cr {

// t[...] = samples of U[from, to) drawn from g. t must be float32 or float64 and from <= to.
void uniform_(const Tensor& t, double from, double to, Generator& g = Generator::global());
// t[...] = samples of N(mean, std^2) drawn from g. t must be float32 or float64 and std >= 0.
void normal_(const Tensor& t, double mean, double std, Generator& g = Generator::global());

}  // namespace cr
