// The elementwise formulas on a GPU (cuda/elementwise.h): one functor per arity holding the op,
// switching on it per element (the branch is uniform across a launch), on the shared strided loop.
// Integer division by zero gives an unspecified value here, as on PyTorch's GPU (the CPU raises).
#include <cmath>
#include <type_traits>

#include "core/division_formulas.h"
#include "core/shift_formulas.h"
#include "core/sign_formulas.h"
#include "cuda/elementwise.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

// The formula of every UnaryOp whose result has the input's dtype T (floating ops on floats).
template <typename T>
__device__ T unary_formula(UnaryOp op, T x) {
  if constexpr (std::is_same_v<T, bool>) {
    return op == UnaryOp::Sign ? x : !x;  // sign, logical_not, bitwise_not
  } else {
    switch (op) {
      case UnaryOp::Neg: return -x;
      case UnaryOp::Abs: return absolute(x);
      case UnaryOp::Sign: return sign_of(x);
      case UnaryOp::Relu: return x > T(0) ? x : (x == x ? T(0) : x);
      case UnaryOp::Square: return x * x;
      default: break;
    }
    if constexpr (std::is_integral_v<T>) {
      return op == UnaryOp::BitwiseNot ? ~x : x;  // floor, ceil, round, trunc keep integers
    } else {
      switch (op) {
        case UnaryOp::Floor: return floor(x);
        case UnaryOp::Ceil: return ceil(x);
        case UnaryOp::Round: return nearbyint(x);
        case UnaryOp::Trunc: return trunc(x);
        case UnaryOp::Exp: return exp(x);
        case UnaryOp::Log: return log(x);
        case UnaryOp::Log2: return log2(x);
        case UnaryOp::Log10: return log10(x);
        case UnaryOp::Log1p: return log1p(x);
        case UnaryOp::Expm1: return expm1(x);
        case UnaryOp::Sqrt: return sqrt(x);
        case UnaryOp::Rsqrt: return T(1) / sqrt(x);
        case UnaryOp::Reciprocal: return T(1) / x;
        case UnaryOp::Sin: return sin(x);
        case UnaryOp::Cos: return cos(x);
        case UnaryOp::Tan: return tan(x);
        case UnaryOp::Tanh: return tanh(x);
        case UnaryOp::Sigmoid: return T(1) / (T(1) + exp(-x));
        case UnaryOp::Erf: return erf(x);
        case UnaryOp::Asin: return asin(x);
        case UnaryOp::Acos: return acos(x);
        case UnaryOp::Atan: return atan(x);
        case UnaryOp::Sinh: return sinh(x);
        case UnaryOp::Cosh: return cosh(x);
        default: return x;
      }
    }
  }
}

template <typename Out, typename T>
struct UnaryElement {
  UnaryOp op;
  __device__ void operator()(char** p) const {
    const T x = *reinterpret_cast<const T*>(p[1]);
    if constexpr (std::is_same_v<Out, bool> && !std::is_same_v<T, bool>) {
      *reinterpret_cast<bool*>(p[0]) = x == T(0);  // logical_not of a number
    } else {
      *reinterpret_cast<Out*>(p[0]) = unary_formula<T>(op, x);
    }
  }
};

template <typename T>
__device__ T nan_extreme(T x, T y, bool max) {
  T m = max ? (x > y ? x : y) : (x < y ? x : y);
  if constexpr (std::is_floating_point_v<T>) m = (x != x) ? x : ((y != y) ? y : m);
  return m;
}

// The formula of every arithmetic BinaryOp (result in T).
template <typename T>
__device__ T arithmetic(BinaryOp op, T x, T y) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case BinaryOp::Add: case BinaryOp::LogicalOr: case BinaryOp::BitwiseOr: return x || y;
      case BinaryOp::Mul: case BinaryOp::LogicalAnd: case BinaryOp::BitwiseAnd: return x && y;
      case BinaryOp::Maximum: return x || y;
      case BinaryOp::Minimum: return x && y;
      default: return x != y;  // xor (bool shifts never get here: ops/binary.cpp raises)
    }
  } else {
    switch (op) {
      case BinaryOp::Add: return x + y;
      case BinaryOp::Sub: return x - y;
      case BinaryOp::Mul: return x * y;
      case BinaryOp::Maximum: return nan_extreme(x, y, true);
      case BinaryOp::Minimum: return nan_extreme(x, y, false);
      default: break;
    }
    if constexpr (std::is_integral_v<T>) {  // int64, uint8, int8: wrapping as on the CPU
      switch (op) {
        case BinaryOp::Pow: return int_pow(x, y);
        case BinaryOp::FloorDivide: return floor_div(x, y);
        case BinaryOp::Remainder: return py_mod(x, y);
        case BinaryOp::Fmod: return (y == 0 || (std::is_signed_v<T> && y == T(-1))) ? T(0) : T(x % y);
        case BinaryOp::BitwiseAnd: return x & y;
        case BinaryOp::BitwiseOr: return x | y;
        case BinaryOp::BitwiseLeftShift: return left_shift(x, y);
        case BinaryOp::BitwiseRightShift: return right_shift(x, y);
        default: return x ^ y;
      }
    } else {
      switch (op) {
        case BinaryOp::Div: return x / y;
        case BinaryOp::Pow: return pow(x, y);
        case BinaryOp::Atan2: return atan2(x, y);
        case BinaryOp::Xlogy: return isnan(y) ? y : (x == T(0) ? T(0) : x * log(y));
        case BinaryOp::FloorDivide: return floor_divide_from_fmod(x, y, T(fmod(x, y)));
        case BinaryOp::Remainder: return remainder_from_fmod(T(fmod(x, y)), y);
        default: return fmod(x, y);
      }
    }
  }
}

template <typename T>
__device__ bool comparison(BinaryOp op, T x, T y) {
  switch (op) {
    case BinaryOp::Eq: return x == y;
    case BinaryOp::Ne: return x != y;
    case BinaryOp::Lt: return x < y;
    case BinaryOp::Le: return x <= y;
    case BinaryOp::Gt: return x > y;
    default: return x >= y;
  }
}

template <typename T, bool kBoolResult>
struct BinaryElement {
  BinaryOp op;
  __device__ void operator()(char** p) const {
    const T x = *reinterpret_cast<const T*>(p[1]), y = *reinterpret_cast<const T*>(p[2]);
    if constexpr (kBoolResult) *reinterpret_cast<bool*>(p[0]) = comparison(op, x, y);
    else *reinterpret_cast<T*>(p[0]) = arithmetic(op, x, y);
  }
};

template <typename T>
struct WhereElement {
  __device__ void operator()(char** p) const {
    *reinterpret_cast<T*>(p[0]) = *reinterpret_cast<const bool*>(p[1]) ? *reinterpret_cast<const T*>(p[2])
                                                                       : *reinterpret_cast<const T*>(p[3]);
  }
};

}  // namespace

void unary_kernel(UnaryOp op, const Shape& shape, const StridedOperand& out, const StridedOperand& a, DType compute) {
  with_dtype(compute, [&](auto t) {
    using T = decltype(t);
    if (op == UnaryOp::LogicalNot) {
      launch_elementwise<2>(unary_op_name(op), shape, {&out, &a}, UnaryElement<bool, T>{op});
    } else {
      launch_elementwise<2>(unary_op_name(op), shape, {&out, &a}, UnaryElement<T, T>{op});
    }
  });
}

void binary_kernel(BinaryOp op, const Shape& shape, const StridedOperand& out, const StridedOperand& a,
                   const StridedOperand& b, DType compute) {
  const bool compares = op >= BinaryOp::Eq && op <= BinaryOp::Ge;
  with_dtype(compute, [&](auto t) {
    using T = decltype(t);
    if (compares) launch_elementwise<3>(binary_op_name(op), shape, {&out, &a, &b}, BinaryElement<T, true>{op});
    else launch_elementwise<3>(binary_op_name(op), shape, {&out, &a, &b}, BinaryElement<T, false>{op});
  });
}

void where_kernel(const Shape& shape, const StridedOperand& out, const StridedOperand& cond, const StridedOperand& a,
                  const StridedOperand& b, DType dtype) {
  with_dtype(dtype, [&](auto t) { launch_elementwise<4>("where", shape, {&out, &cond, &a, &b}, WhereElement<decltype(t)>{}); });
}

}  // namespace cr::cuda
