// The math policy of the formulas shared with the CPU (core/activation_formulas.h,
// core/rnn_cell_formulas.h) on the GPU: CUDA's functions.
#pragma once

#include <cmath>

namespace cr::cuda {

struct DeviceMath {
  template <typename T>
  __device__ static T exp(T x) { return ::exp(x); }
  template <typename T>
  __device__ static T expm1(T x) { return ::expm1(x); }
  template <typename T>
  __device__ static T log1p(T x) { return ::log1p(x); }
  template <typename T>
  __device__ static T tanh(T x) { return ::tanh(x); }
  template <typename T>
  __device__ static T erf(T x) { return ::erf(x); }
  template <typename T>
  __device__ static T fabs(T x) { return ::fabs(x); }
  template <typename T>
  __device__ static T sigmoid(T x) { return T(1) / (T(1) + ::exp(-x)); }
};

}  // namespace cr::cuda
