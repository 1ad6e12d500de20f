// The special functions on a GPU (cuda/special.h), on the strided loop.
#include "core/special_formulas.h"
#include "cuda/special.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct SpecialElement {  // p: out, x
  SpecialOp op;
  int64_t n;
  __device__ void operator()(char** p) const {
    const T x = *reinterpret_cast<const T*>(p[1]);
    T& out = *reinterpret_cast<T*>(p[0]);
    switch (op) {
      case SpecialOp::Lgamma: out = std::lgamma(x); break;
      case SpecialOp::Polygamma: out = special_math::polygamma(n, x); break;
      case SpecialOp::Erfinv: out = special_math::erfinv(x); break;
      case SpecialOp::Erfc: out = special_math::erfc(x); break;
    }
  }
};

}  // namespace

void special_kernel(SpecialOp op, int64_t n, DType dtype, const Shape& shape, const StridedOperand& out,
                    const StridedOperand& x) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_elementwise<2>("special", shape, {&out, &x}, SpecialElement<T>{op, n});
  });
}

}  // namespace cr::cuda
