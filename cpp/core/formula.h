// CR_FORMULA marks a function both devices run: __host__ __device__ under nvcc, an always-inlined
// host function elsewhere. The formulas shared by the CPU's and the GPU's kernels (core/*_formulas.h,
// core/counter_rng.h, core/conv_window.h) use it, so both devices compute alike and the host tests
// check the code the GPU runs.
#pragma once

#ifdef __CUDACC__
#define CR_FORMULA __host__ __device__ __forceinline__
#else
// Always inlined, so that the CPU's elementwise loops vectorize around them.
#define CR_FORMULA inline __attribute__((always_inline))
#endif
