// The pointwise activations on a GPU (cuda/activation.h): the shared functors on the strided loop.
#include <cmath>

#include "cuda/activation.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

// CUDA's math functions, the policy the shared functors call on the GPU.
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

template <typename T, typename Fn>
struct Forward {  // p: out, x
  Fn fn;
  __device__ void operator()(char** p) const {
    *reinterpret_cast<T*>(p[0]) = fn.f(*reinterpret_cast<const T*>(p[1]));
  }
};

template <typename T, typename Fn>
struct Backward {  // p: dx, g, x
  Fn fn;
  __device__ void operator()(char** p) const {
    *reinterpret_cast<T*>(p[0]) = fn.grad(*reinterpret_cast<const T*>(p[1]), *reinterpret_cast<const T*>(p[2]));
  }
};

}  // namespace

void activation_forward(const ActivationParams& act, DType dtype, const Shape& shape, const StridedOperand& out,
                        const StridedOperand& x) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    with_activation<T, DeviceMath>(act, [&](auto fn) {
      launch_elementwise<2>("activation", shape, {&out, &x}, Forward<T, decltype(fn)>{fn});
    });
  });
}

void activation_backward(const ActivationParams& act, DType dtype, const Shape& shape, const StridedOperand& dx,
                         const StridedOperand& g, const StridedOperand& x) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    with_activation<T, DeviceMath>(act, [&](auto fn) {
      launch_elementwise<3>("activation_backward", shape, {&dx, &g, &x}, Backward<T, decltype(fn)>{fn});
    });
  });
}

}  // namespace cr::cuda
