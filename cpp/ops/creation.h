// Factories: tensors made from sizes and values (zeros, full, arange, eye, random, ...).
#pragma once

#include <optional>

#include "core/scalar.h"
#include "core/random.h"
#include "core/tensor.h"

namespace cr {

Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device);
Tensor zeros(const Shape& sizes, DType dtype, Device device);
Tensor ones(const Shape& sizes, DType dtype, Device device);
Tensor scalar_tensor(const Scalar& value, DType dtype, Device device, const char* op = "scalar_tensor");  // 0-d
// A 0-d tensor of a Python number used in arithmetic with a tensor (x + 1e300): rounded as
// arithmetic rounds it (Scalar::as_operand), where scalar_tensor, for values written, checks.
Tensor scalar_operand(const Scalar& value, DType dtype, Device device);
// Values start, start + step, ... below end; dtype defaults to int64 when all three are integers.
Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype,
              Device device);
Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device);
Tensor eye(int64_t n, std::optional<int64_t> m, DType dtype, Device device);
// Random factories draw from `g`: the global generator (chainrule.manual_seed) unless given one.
Tensor rand(const Shape& sizes, DType dtype, Device device, Generator& g = Generator::global());  // U[0, 1)
Tensor randn(const Shape& sizes, DType dtype, Device device, Generator& g = Generator::global());  // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype, Device device,
               Generator& g = Generator::global());

// In place: every element set to value (bumps the version).
void fill_(const Tensor& t, const Scalar& value, const char* op = "fill_");
// PyTorch's RuntimeError for a finite value past a 16-bit float's range, written by fill_, full or
// masked_fill_ (other conversions give inf); nothing for the other dtypes, whose Scalar::to checks.
void check_fits(const Scalar& value, DType dtype, const char* op);

}  // namespace cr
