// In-place random fills from a seeded generator (the global one unless given) (Tensor.uniform_,
// Tensor.normal_), the building blocks of chainrule.nn.init, and the GPU draws behind them and the
// random factories: a GPU tensor given no private generator is filled on the GPU from its CUDA
// generator (core/cuda_generator.h, cuda/random.h), the rest on the host.
#pragma once

#include "core/cuda_generator.h"
#include "core/random.h"
#include "core/tensor.h"

namespace cr {

// t[...] = samples of U[from, to) drawn from g. t must be float32 or float64 and from <= to.
void uniform_(const Tensor& t, double from, double to, Generator& g = Generator::global());
// t[...] = samples of N(mean, std^2) drawn from g. t must be float32 or float64 and std >= 0.
void normal_(const Tensor& t, double mean, double std, Generator& g = Generator::global());

// A new tensor of `sizes` on the GPU `device`, drawn there from `gen`'s stream: samples of
// U[from, to) or N(mean, std^2) (dtype float32 or float64), or integers in [low, high) (any dtype;
// the caller, op, checks the arguments).
Tensor gpu_uniform(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, double from, double to,
                   const char* op);
Tensor gpu_normal(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, double mean, double std,
                  const char* op);
Tensor gpu_integers(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, int64_t low, int64_t high,
                    const char* op);

}  // namespace cr
