// Random fills on a GPU from a CUDA generator's reserved draws (core/cuda_generator.h): element i
// of a fill computes its sample from the stream's draws with the formulas of core/counter_rng.h,
// so nothing is drawn on the host and nothing waits for the GPU. dst is a contiguous buffer of n
// elements of dtype; cpp/ops/random_fill.cpp reserves the draws and is the dispatch point.
#pragma once

#include <cstdint>

#include "core/counter_rng.h"
#include "core/dtype.h"

namespace cr::cuda {

// dst[i] = uniform_between(draw i, from, to) in dtype (float32 or float64); n draws.
void uniform_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, double from, double to);
// dst[i] = mean + std * normal_at(stream, i) in dtype (float32 or float64); normal_draws(n) draws.
void normal_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, double mean, double std);
// dst[i] = integer_from(draw i, low, range) in dtype (any; the caller checks the range fits); n draws.
void integer_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, int64_t low, uint64_t range);

}  // namespace cr::cuda
