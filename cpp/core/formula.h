// CR_FORMULA marks a function both devices run: __host__ __device__ under nvcc, an always-inlined
// host function elsewhere. The formulas shared by the CPU's and the GPU's kernels (core/*_formulas.h,
// core/counter_rng.h, core/conv_window.h) use it, so both devices compute alike and the host tests
// check the code the GPU runs. Also horner(), the polynomial evaluation fitted formulas share.
#pragma once

#ifdef __CUDACC__
#define CR_FORMULA __host__ __device__ __forceinline__
#else
// Always inlined, so that the CPU's elementwise loops vectorize around them.
#define CR_FORMULA inline __attribute__((always_inline))
#endif

namespace cr {

// Horner's rule: the polynomial with `coefficients` (highest power first) at t.
template <typename T, int N>
CR_FORMULA T horner(const T (&coefficients)[N], T t) {
  T sum = coefficients[0];
  for (int i = 1; i < N; ++i) sum = sum * t + coefficients[i];
  return sum;
}

}  // namespace cr
