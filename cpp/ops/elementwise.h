// Elementwise ops with NumPy broadcasting and PyTorch's type promotion: binary arithmetic and
// comparisons, unary math, clamp and where, out of place and in place.
#pragma once

#include <optional>

#include "core/scalar.h"
#include "core/tensor.h"

namespace cr {

enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum, FloorDivide, Remainder, Atan2, Fmod,
  Xlogy,                                     // x log y, 0 where x == 0 (and y is not NaN)
  Eq, Ne, Lt, Le, Gt, Ge,                    // -> bool
  LogicalAnd, LogicalOr, LogicalXor,         // -> bool
  BitwiseAnd, BitwiseOr, BitwiseXor,         // int64 and bool only
  BitwiseLeftShift, BitwiseRightShift,       // int64 only (a bool beside an int64 promotes)
};
const char* binary_op_name(BinaryOp op);  // "add", ...

enum class UnaryOp : uint8_t {
  Neg, Abs, Sign, Relu, Square, Floor, Ceil, Round, Trunc,                   // keep integer dtypes
  Exp, Log, Log2, Log10, Log1p, Expm1, Sqrt, Rsqrt, Reciprocal,             // floating results
  Sin, Cos, Tan, Tanh, Sigmoid, Erf, Asin, Acos, Atan, Sinh, Cosh,
  LogicalNot, BitwiseNot,
};
const char* unary_op_name(UnaryOp op);

// The dtype `a op b` computes in (before comparisons turn it into bool). A 0-d tensor only
// raises the type of a dimensioned one when its category (bool < int < float) is higher.
DType result_type(const Tensor& a, const Tensor& b);

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b);
Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b);
Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b);
// self = self op other, other broadcasting to self's shape; the result type must cast to self's.
void binary_(BinaryOp op, const Tensor& self, const Tensor& other);
void binary_(BinaryOp op, const Tensor& self, const Scalar& other);

Tensor unary(UnaryOp op, const Tensor& a);
void unary_(UnaryOp op, const Tensor& self);

// clamp with number bounds (nullopt: no bound), and with tensor bounds (null: no bound).
Tensor clamp(const Tensor& a, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
void clamp_(const Tensor& self, const std::optional<Scalar>& min, const std::optional<Scalar>& max);
Tensor clamp(const Tensor& a, const Tensor& min, const Tensor& max);
void clamp_(const Tensor& self, const Tensor& min, const Tensor& max);

// div with rounding: None (true division), Trunc (toward zero, in the operands' promoted dtype)
// or Floor (floor_divide).
enum class RoundingMode : uint8_t { None, Trunc, Floor };
Tensor divide(const Tensor& a, const Tensor& b, RoundingMode mode);
Tensor divide(const Tensor& a, const Scalar& b, RoundingMode mode);
Tensor divide(const Scalar& a, const Tensor& b, RoundingMode mode);

// where(cond, a, b). A number takes part as a 0-d tensor that never raises a tensor operand's
// dtype (with two numbers: its own default dtype), on the tensor operand's device.
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b);
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b);
Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b);

}  // namespace cr
