// Arithmetic operators on Tensor handles, so that backward formulas read like the math they
// implement (grad * b / (a * a)). They call the recorded ops, so formulas differentiate again.
// Comparisons are deliberately not overloaded: == on handles compares identity.
#pragma once

#include "ops/elementwise.h"

namespace cr {

inline Tensor operator+(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Add, a, b); }
inline Tensor operator-(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Sub, a, b); }
inline Tensor operator*(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Mul, a, b); }
inline Tensor operator/(const Tensor& a, const Tensor& b) { return binary(BinaryOp::Div, a, b); }
inline Tensor operator+(const Tensor& a, double s) { return binary(BinaryOp::Add, a, Scalar(s)); }
inline Tensor operator-(const Tensor& a, double s) { return binary(BinaryOp::Sub, a, Scalar(s)); }
inline Tensor operator*(const Tensor& a, double s) { return binary(BinaryOp::Mul, a, Scalar(s)); }
inline Tensor operator/(const Tensor& a, double s) { return binary(BinaryOp::Div, a, Scalar(s)); }
inline Tensor operator*(double s, const Tensor& a) { return binary(BinaryOp::Mul, Scalar(s), a); }
inline Tensor operator-(double s, const Tensor& a) { return binary(BinaryOp::Sub, Scalar(s), a); }
inline Tensor operator/(double s, const Tensor& a) { return binary(BinaryOp::Div, Scalar(s), a); }
inline Tensor operator-(const Tensor& a) { return unary(UnaryOp::Neg, a); }

}  // namespace cr
