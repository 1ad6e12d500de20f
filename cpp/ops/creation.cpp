// Factories and fill_. Random CPU tensors draw from a Generator (the global one unless the caller
// gives its own), in order, so a seed fixes every value; random GPU tensors are drawn on the GPU
// from its CUDA generator (ops/random_fill.h; other values than the CPU's for a seed, as in
// PyTorch), or on the host and uploaded when given a private generator. Numbers, ranges and eye are
// written on the GPU itself (cuda/creation.h), which needs no copy from the host and so never waits
// for the GPU.
#include "ops/creation.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "core/default_dtype.h"
#include "core/random.h"
#include "core/range_formulas.h"
#include "cuda/creation.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/random_fill.h"

namespace cr {

namespace {
template <typename Sample>
Tensor sample(const Shape& sizes, DType dtype, Device device, const char* op, const Sample& draw) {
  // a GPU tensor from a private generator: drawn on the host, uploaded
  if (!device.is_cpu()) return to_device(sample(sizes, dtype, kCpu, op, draw), device);
  if (is_reduced_float(dtype)) return to_dtype(sample(sizes, DType::Float32, device, op, draw), dtype);
  Tensor t = TensorImpl::empty(sizes, dtype, device, op);
  CR_DISPATCH_ALL(dtype, op, [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0, n = t->numel(); i < n; ++i) p[i] = static_cast<scalar_t>(draw());
  });
  return t;
}

// A 0-d GPU tensor holding the value of the 0-d CPU tensor `host`, written by the launch itself
// (a meta one holds none).
Tensor stored_on(const Tensor& host, Device device) {
  Tensor t = TensorImpl::empty({}, host->dtype(), device);
  if (device.is_meta()) return t;
  uint64_t bits = 0;
  std::memcpy(&bits, host->raw_data(), itemsize(host->dtype()));
  cuda::store_bytes(t->device_data(), bits, static_cast<int>(itemsize(host->dtype())));
  return t;
}

Tensor filled(const Shape& sizes, const Scalar& value, DType dtype, Device device, const char* op) {
  Tensor t = TensorImpl::empty(sizes, dtype, device, op);
  fill_(t, value, op);
  return t;
}
}  // namespace

void check_fits(const Scalar& value, DType dtype, const char* op) {
  if (!is_reduced_float(dtype)) return;  // the other dtypes check in Scalar::to
  const double v = value.as_double(), largest = dtype == DType::Float16 ? 65504.0 : 3.3895313892515355e38;
  CR_CHECK(!std::isfinite(v) || std::fabs(v) <= largest, RuntimeError, "value cannot be converted to type ",
           dtype == DType::Float16 ? "c10::Half" : "c10::BFloat16", " without overflow (", op, ")");
}

void fill_(const Tensor& t, const Scalar& value, const char* op) {
  check_fits(value, t->dtype(), op);
  if (t->device().is_meta()) return;  // no values to write
  copy_(t, scalar_tensor(value, t->dtype(), t->device(), op));
}

Tensor scalar_tensor(const Scalar& value, DType dtype, Device device, const char* op) {
  if (!device.is_cpu()) return stored_on(scalar_tensor(value, dtype, kCpu, op), device);
  Tensor t = TensorImpl::empty({}, dtype, device);
  if (is_reduced_float(dtype)) {  // through float32, as c10's Half(float): past float32's range, inf (fill_ checks)
    copy_values(t, scalar_operand(value, DType::Float32, device));
    return t;
  }
  CR_DISPATCH_ALL(dtype, op, [&] { *t->data<scalar_t>() = value.to<scalar_t>(op); });
  return t;
}

Tensor scalar_operand(const Scalar& value, DType dtype, Device device) {
  if (!device.is_cpu()) return stored_on(scalar_operand(value, dtype, kCpu), device);
  if (is_reduced_float(dtype)) return to_dtype(scalar_operand(value, DType::Float32, device), dtype);  // rounded
  Tensor t = TensorImpl::empty({}, dtype, device);
  CR_DISPATCH_ALL(dtype, "scalar_operand", [&] { *t->data<scalar_t>() = value.as_operand<scalar_t>(); });
  return t;
}

Tensor full(const Shape& sizes, const Scalar& value, DType dtype, Device device) {
  return filled(sizes, value, dtype, device, "full");
}
Tensor zeros(const Shape& sizes, DType dtype, Device device) {
  return filled(sizes, Scalar(int64_t{0}), dtype, device, "zeros");
}
Tensor ones(const Shape& sizes, DType dtype, Device device) {
  return filled(sizes, Scalar(int64_t{1}), dtype, device, "ones");
}

Tensor arange(const Scalar& start, const Scalar& end, const Scalar& step, std::optional<DType> dtype, Device device) {
  check_device_available(device, "arange");
  const bool int_args = !start.is_floating() && !end.is_floating() && !step.is_floating();
  const DType dt = dtype.value_or(int_args ? DType::Int64 : default_float_dtype());
  if (is_reduced_float(dt)) return to_dtype(arange(start, end, step, DType::Float32, device), dt);
  if (!int_args && dt == DType::Int64) {  // as PyTorch: float bounds truncate to int64 first (the
                                          // narrower integers' ranges are computed in double, then converted)
    return arange(Scalar(start.to<int64_t>("arange")), Scalar(end.to<int64_t>("arange")),
                  Scalar(step.to<int64_t>("arange")), dt, device);
  }
  const bool all_int = int_args;
  // int32, int16, uint8 and int8 ranges of float bounds, as PyTorch computes them: the length from
  // the bounds as given, the values from start and step truncated to integers (arange(0.5, 3.7, 0.5)
  // is all 0).
  const bool truncated_values = !int_args && is_small_integer(dt);
  double s = start.as_double(), e = end.as_double(), st = step.as_double();
  CR_CHECK(st != 0, ValueError, "arange: step must be nonzero");
  const int64_t start_i = truncated_values ? start.to<int64_t>("arange") : start.i;
  const int64_t step_i = truncated_values ? step.to<int64_t>("arange") : step.i;
  CR_CHECK(std::isfinite(s) && std::isfinite(e) && std::isfinite(st), ValueError,
           "arange: start, end and step must be finite, got ", s, ", ", e, ", ", st);
  CR_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), ValueError, "arange: upper bound ", e,
           " and lower bound ", s, " are inconsistent with step sign ", st);
  // The length in 128-bit integers or in double, checked to fit before it becomes a size.
  __int128 exact = all_int ? ((__int128)end.i - start.i + step.i + (step.i > 0 ? -1 : 1)) / step.i : 0;
  double length = all_int ? static_cast<double>(exact) : std::ceil((e - s) / st);
  CR_CHECK(length < 0x1p63, RuntimeError, "arange: the range from ", s, " to ", e, " by ", st, " has ",
           length, " elements, more than 2**63 - 1 (invalid size, possible overflow?)");
  int64_t n = all_int ? static_cast<int64_t>(exact) : static_cast<int64_t>(length);
  Tensor t = TensorImpl::empty({std::max<int64_t>(n, 0)}, dt, device, "arange");
  const ArangeFormula range{all_int || truncated_values, start_i, step_i, s, st};
  if (device.is_meta()) return t;
  if (!device.is_cpu()) {  // the family's dispatch point (here, in linspace and in eye)
    cuda::arange_fill(dt, t->device_data(), n, range);
    return t;
  }
  CR_DISPATCH_NUMERIC(dt, "arange", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < n; ++i) p[i] = range.at<scalar_t>(i);
  });
  return t;
}

namespace {
// PyTorch's linspace of a 16-bit float computes in that type, each operation rounded (c10::Half
// arithmetic): the step, each product and each sum (its scalar loop; runs of 16 or more elements
// may take its vectorized loop, which rounds in another order).
Tensor reduced_linspace(double start, double end, int64_t steps, DType dtype, Device device) {
  auto round = [dtype](float v) { return dtype == DType::Float16 ? to_float(to_half(v)) : to_float(to_bfloat16(v)); };
  const float s = round(static_cast<float>(start)), e = round(static_cast<float>(end));
  const float step = steps > 1 ? round(round(e - s) / round(static_cast<float>(steps - 1))) : 0.0f;
  Tensor values = TensorImpl::empty({steps}, DType::Float32, kCpu, "linspace");
  float* p = values->data<float>();
  const int64_t half = std::max<int64_t>(steps / 2, 1);  // one step gives `start`
  for (int64_t i = 0; i < steps; ++i) {
    p[i] = i < half ? round(s + round(step * round(static_cast<float>(i))))
                    : round(e - round(step * round(static_cast<float>(steps - 1 - i))));
  }
  return to_dtype(to_device(values, device), dtype);
}
}  // namespace

Tensor linspace(double start, double end, int64_t steps, DType dtype, Device device) {
  check_device_available(device, "linspace");
  CR_CHECK(steps >= 0, ValueError, "linspace: number of steps must be non-negative, got ", steps);
  if (is_reduced_float(dtype)) return reduced_linspace(start, end, steps, dtype, device);
  if (is_integral(dtype) && steps > 0) {  // as PyTorch: the ends truncate to the integer dtype
    // first (NaN, inf, 1e30, 300.5 for int8 raise), an end only where it is read: none for 0
    // steps, `start` alone for 1
    CR_DISPATCH_NUMERIC(dtype, "linspace", [&] {
      start = static_cast<double>(Scalar(start).to<scalar_t>("linspace"));
      end = steps > 1 ? static_cast<double>(Scalar(end).to<scalar_t>("linspace")) : start;
    });
  }
  Tensor t = TensorImpl::empty({steps}, dtype, device, "linspace");
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  const LinspaceFormula range{start, end, step, steps, std::max<int64_t>(steps / 2, 1)};  // one step gives `start`
  if (device.is_meta()) return t;
  if (!device.is_cpu()) {
    cuda::linspace_fill(dtype, t->device_data(), steps, range);
    return t;
  }
  CR_DISPATCH_NUMERIC(dtype, "linspace", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < steps; ++i) p[i] = range.at<scalar_t>(i);
  });
  return t;
}

Tensor eye(int64_t n, std::optional<int64_t> m, DType dtype, Device device) {
  check_device_available(device, "eye");
  int64_t cols = m.value_or(n);
  CR_CHECK(n >= 0 && cols >= 0, ValueError, "eye: sizes must be non-negative, got n=", n, ", m=", cols);
  if (is_reduced_float(dtype)) return to_dtype(eye(n, m, DType::Float32, device), dtype);
  Tensor t = filled({n, cols}, Scalar(int64_t{0}), dtype, device, "eye");
  if (device.is_meta()) return t;
  if (!device.is_cpu()) {
    cuda::eye_diagonal(dtype, t->device_data(), std::min(n, cols), cols);
    return t;
  }
  CR_DISPATCH_ALL(dtype, "eye", [&] {
    scalar_t* p = t->data<scalar_t>();
    for (int64_t i = 0; i < std::min(n, cols); ++i) p[i * cols + i] = scalar_t(1);
  });
  return t;
}

Tensor rand(const Shape& sizes, DType dtype, Device device, Generator& g) {
  CR_CHECK(is_floating(dtype), DTypeError, "rand: dtype must be float32 or float64, got ", dtype_name(dtype));
  if (device.is_meta()) return TensorImpl::empty(sizes, dtype, device, "rand");
  if (is_reduced_float(dtype)) {  // on the 16-bit type's grid below 1 (11 or 8 bits), as PyTorch draws them
    const Scalar grid(dtype == DType::Float16 ? 2048.0 : 256.0);
    const Tensor u = rand(sizes, DType::Float32, device, g);
    return to_dtype(binary(BinaryOp::Div, unary(UnaryOp::Floor, binary(BinaryOp::Mul, u, grid)), grid), dtype);
  }
  if (CudaGenerator* gpu = cuda_generator_for(device, g, "rand")) {
    return gpu_uniform(sizes, dtype, device, *gpu, 0, 1, "rand");
  }
  const double below_one = dtype == DType::Float32 ? 0.99999994039535522 : 1.0;  // float32 rounds up
  auto drawing = g.lock();
  return sample(sizes, dtype, device, "rand", [&] { return std::min(g.uniform(), below_one); });
}

Tensor randn(const Shape& sizes, DType dtype, Device device, Generator& g) {
  CR_CHECK(is_floating(dtype), DTypeError, "randn: dtype must be float32 or float64, got ", dtype_name(dtype));
  if (device.is_meta()) return TensorImpl::empty(sizes, dtype, device, "randn");
  if (is_reduced_float(dtype)) return to_dtype(randn(sizes, DType::Float32, device, g), dtype);
  if (CudaGenerator* gpu = cuda_generator_for(device, g, "randn")) {
    return gpu_normal(sizes, dtype, device, *gpu, 0, 1, "randn");
  }
  auto drawing = g.lock();
  return sample(sizes, dtype, device, "randn", [&] { return g.normal(); });
}

Tensor randint(int64_t low, int64_t high, const Shape& sizes, DType dtype, Device device, Generator& g) {
  CR_CHECK(low < high, ValueError, "randint: expects low < high, got low=", low, ", high=", high);
  CR_CHECK(dtype != DType::Bool || (low >= 0 && high <= 2), ValueError,
           "randint: bool tensors need 0 <= low < high <= 2, got low=", low, ", high=", high);
  if (device.is_meta()) return TensorImpl::empty(sizes, dtype, device, "randint");
  if (is_reduced_float(dtype)) return to_dtype(randint(low, high, sizes, DType::Float32, device, g), dtype);
  if (is_small_integer(dtype)) {  // draws never wrap
    CR_DISPATCH_NUMERIC(dtype, "randint", [&] {
      if constexpr (std::is_integral_v<scalar_t>) {
        const int64_t lowest = std::numeric_limits<scalar_t>::lowest(), highest = std::numeric_limits<scalar_t>::max();
        CR_CHECK(low >= lowest && high - 1 <= highest, ValueError, "randint: [low, high) = [", low, ", ", high,
                 ") is out of bounds for ", dtype_name(dtype), " (", lowest, " to ", highest, ")");
      }
    });
  }
  if (CudaGenerator* gpu = cuda_generator_for(device, g, "randint")) {
    return gpu_integers(sizes, dtype, device, *gpu, low, high, "randint");
  }
  auto drawing = g.lock();
  return sample(sizes, dtype, device, "randint", [&] { return g.integer(low, high); });
}

}  // namespace cr
