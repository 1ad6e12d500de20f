// The pointwise activations on a GPU (cuda/activation.h): the shared functors on the strided loop.
#include "cuda/activation.h"
#include "cuda/device_math.cuh"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

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
