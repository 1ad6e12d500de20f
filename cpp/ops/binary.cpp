// Binary elementwise ops: type promotion, broadcasting, in-place rules, and the scalar formulas.
#include <cmath>
#include <limits>

#include "autograd/record.h"
#include "core/default_dtype.h"
#include "core/division_formulas.h"
#include "core/shift_formulas.h"
#include "cpu/float_division.h"
#include "cuda/elementwise.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/tensor_math.h"

namespace cr {

const char* binary_op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "pow", "maximum", "minimum", "floor_divide",
                                "remainder", "atan2", "fmod", "xlogy", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
                                "logical_or", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_xor",
                                "bitwise_left_shift", "bitwise_right_shift"};
  return names[static_cast<int>(op)];
}

DType result_type(const Tensor& a, const Tensor& b) {
  bool a0 = a->dim() == 0, b0 = b->dim() == 0;
  if (a0 == b0) return promote_types(a->dtype(), b->dtype());
  DType dimmed = a0 ? b->dtype() : a->dtype(), zero_d = a0 ? a->dtype() : b->dtype();
  return dtype_category(zero_d) > dtype_category(dimmed) ? zero_d : dimmed;
}

namespace {

bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
bool is_logical(BinaryOp op) { return op >= BinaryOp::LogicalAnd && op <= BinaryOp::LogicalXor; }
bool is_bitwise(BinaryOp op) { return op >= BinaryOp::BitwiseAnd && op <= BinaryOp::BitwiseXor; }
bool is_shift(BinaryOp op) { return op == BinaryOp::BitwiseLeftShift || op == BinaryOp::BitwiseRightShift; }
bool is_division(BinaryOp op) {
  return op == BinaryOp::FloorDivide || op == BinaryOp::Remainder || op == BinaryOp::Fmod;
}

// The dtype the formula runs in, given the promoted input dtype.
DType compute_dtype(BinaryOp op, DType promoted) {
  if (is_logical(op)) return DType::Bool;
  const bool float_result = op == BinaryOp::Div || op == BinaryOp::Atan2 || op == BinaryOp::Xlogy;
  return float_result && !is_floating(promoted) ? default_float_dtype() : promoted;
}

// Raises where `op` takes no operands of the promoted dtype. In place, this comes after the check
// that the result casts to self's dtype, as in PyTorch (int64 <<= 1.5 can't be cast, float32 <<= 1
// is not implemented).
void check_operand_dtype(BinaryOp op, DType promoted) {
  CR_CHECK(promoted != DType::Bool || (op != BinaryOp::Pow && !is_division(op)),
           DTypeError, binary_op_name(op), ": not supported for two bool operands; convert one with .long() first");
  CR_CHECK(!is_bitwise(op) || !is_floating(promoted), DTypeError, binary_op_name(op),
           ": bitwise ops need int64 or bool tensors, got ", dtype_name(promoted));
  // PyTorch shifts integers only: two bool operands raise, as floats do.
  CR_CHECK(!is_shift(op) || is_integral(promoted), NotImplementedError, binary_op_name(op),
           ": not implemented for dtype ", dtype_name(promoted), " (shifts need an int64 operand and no floats)");
}

// PyTorch refuses subtraction as soon as either operand (tensor or Python scalar) is bool.
void check_sub_operands(BinaryOp op, DType a, DType b) {
  CR_CHECK(op != BinaryOp::Sub || (a != DType::Bool && b != DType::Bool), DTypeError,
           "sub: subtraction with a bool operand is not supported; use logical_xor() or ~ instead");
}

DType output_dtype(BinaryOp op, DType compute) {
  return is_comparison(op) || is_logical(op) ? DType::Bool : compute;
}

// fmod, remainder or floor_divide of floats as PyTorch computes them: finish(a, b, fmod(a, b)), with
// fmod vectorized where that is exact and exact_fmod on the rare elements with a quotient too large
// for it (cpu/float_division.h). Strided operands are copied first: the vectorized loops beat the
// strided one, whose scalar selects become branches the data mispredicts (4x slower transposed).
template <typename T, typename Finish>
void with_fmod(const Tensor& out, const Tensor& a, const Tensor& b, const Finish& finish) {
  binary_kernel_with_rare_case<T>(out, contiguous(a), contiguous(b),
      [finish](T x, T y) CR_ALWAYS_INLINE { return finish(x, y, cpu::fast_fmod(x, y)); },
      [](T x, T y) CR_ALWAYS_INLINE { return !cpu::fmod_is_fast(x, y); },
      [finish](T x, T y) { return finish(x, y, cpu::exact_fmod(x, y)); });
}

template <typename T>
void float_division(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  if (op == BinaryOp::FloorDivide) {
    with_fmod<T>(out, a, b, [](T x, T y, T m) CR_ALWAYS_INLINE { return floor_divide_from_fmod(x, y, m); });
  } else if (op == BinaryOp::Remainder) {
    with_fmod<T>(out, a, b, [](T, T y, T m) CR_ALWAYS_INLINE { return remainder_from_fmod(m, y); });
  } else {
    with_fmod<T>(out, a, b, [](T, T, T m) CR_ALWAYS_INLINE { return m; });
  }
}

// maximum/minimum propagate NaN, as in PyTorch; written as selects so the loops vectorize.
template <typename T>
T nan_max(T a, T b) {
  T m = a > b ? a : b;
  if constexpr (std::is_floating_point_v<T>) m = (a != a) ? a : ((b != b) ? b : m);
  return m;
}

template <typename T>
T nan_min(T a, T b) {
  T m = a < b ? a : b;
  if constexpr (std::is_floating_point_v<T>) m = (a != a) ? a : ((b != b) ? b : m);
  return m;
}

// out = op(a, b) with a and b already of dtype T, or stored as S: a 16-bit float's S runs T = float
// formulas, for the ops that have them (not floor_divide, remainder, fmod).
template <typename T, typename S = T>
void run_formula(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  switch (op) {
    case BinaryOp::Add: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T { return x + y; });
    case BinaryOp::Sub: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T { return x - y; });
    case BinaryOp::Mul: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>) return x && y;
      else return x * y;
    });
    case BinaryOp::Maximum: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return nan_max(x, y); });
    case BinaryOp::Minimum: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return nan_min(x, y); });
    case BinaryOp::Eq: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x == y; });
    case BinaryOp::Ne: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x != y; });
    case BinaryOp::Lt: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x < y; });
    case BinaryOp::Le: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x <= y; });
    case BinaryOp::Gt: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x > y; });
    case BinaryOp::Ge: return binary_kernel<bool, S, S>(out, a, b, [](T x, T y) { return x >= y; });
    default: break;
  }
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case BinaryOp::LogicalAnd: case BinaryOp::BitwiseAnd:
        return binary_kernel<bool, bool, bool>(out, a, b, [](bool x, bool y) { return x && y; });
      case BinaryOp::LogicalOr: case BinaryOp::BitwiseOr:
        return binary_kernel<bool, bool, bool>(out, a, b, [](bool x, bool y) { return x || y; });
      case BinaryOp::LogicalXor: case BinaryOp::BitwiseXor:
        return binary_kernel<bool, bool, bool>(out, a, b, [](bool x, bool y) { return x != y; });
      default: break;
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::Div: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return x / y; });
      case BinaryOp::Pow: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T { return std::pow(x, y); });
      case BinaryOp::Atan2: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T { return std::atan2(x, y); });
      case BinaryOp::Xlogy:  // PyTorch's order: a NaN y gives NaN even where x == 0
        return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T {
          if (std::isnan(y)) return y;
          return x == T(0) ? T(0) : x * std::log(y);
        });
      case BinaryOp::FloorDivide: case BinaryOp::Remainder: case BinaryOp::Fmod:
        if constexpr (std::is_same_v<T, S>) return float_division<T>(op, out, a, b);
        break;
      default: break;
    }
  } else {  // int64
    switch (op) {
      case BinaryOp::Pow: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return int_pow(x, y); });
      case BinaryOp::FloorDivide: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return floor_div(x, y); });
      case BinaryOp::Remainder: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return py_mod(x, y); });
      case BinaryOp::Fmod:  // x % -1 is 0 (INT64_MIN % -1 would trap)
        return binary_kernel<S, S, S>(out, a, b, [](T x, T y) -> T { return std::is_signed_v<T> && y == T(-1) ? T(0) : T(x % y); });
      case BinaryOp::BitwiseAnd: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return x & y; });
      case BinaryOp::BitwiseOr: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return x | y; });
      case BinaryOp::BitwiseXor: return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return x ^ y; });
      case BinaryOp::BitwiseLeftShift:
        return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return left_shift(x, y); });
      case BinaryOp::BitwiseRightShift:
        return binary_kernel<S, S, S>(out, a, b, [](T x, T y) { return right_shift(x, y); });
      default: break;
    }
  }
  CR_FAIL(DTypeError, binary_op_name(op), ": not supported for dtype ", dtype_name(dtype_of<T>::value));
}

bool has_zero(const Tensor& t) {
  Tensor c = contiguous(t);
  return CR_DISPATCH_NUMERIC(c->dtype(), "has_zero", [&] {
    const scalar_t* p = c->data<scalar_t>();
    for (int64_t i = 0, n = c->numel(); i < n; ++i) if (p[i] == 0) return true;
    return false;
  });
}

// Whether mul/div reads operand t whole, in float32, rather than in the 16-bit compute dtype: a 0-d
// operand of another dtype (PyTorch's "CPU scalar": x * 0.1 scales by 0.1, not by bfloat16(0.1)).
bool read_whole(BinaryOp op, const Tensor& t, DType compute) {
  return (op == BinaryOp::Mul || op == BinaryOp::Div) && t->dim() == 0 && t->dtype() != compute;
}

// Whether a 16-bit op runs its float32 formula on the 16-bit elements directly (the elementwise rows
// read and write them): on the CPU, into the compute dtype or bool, for the ops with such formulas.
bool runs_on_16_bit_elements(BinaryOp op, const Tensor& out, DType compute) {
  return is_reduced_float(compute) && out->device().is_cpu() && (out->dtype() == compute || out->dtype() == DType::Bool) &&
         op != BinaryOp::FloorDivide && op != BinaryOp::Remainder && op != BinaryOp::Fmod;
}

// run(f) with the float32 formula f of op, one of add, sub, mul and div.
template <typename Run>
void with_arithmetic(BinaryOp op, const Run& run) {
  switch (op) {
    case BinaryOp::Add: return run([](float x, float y) { return x + y; });
    case BinaryOp::Sub: return run([](float x, float y) { return x - y; });
    case BinaryOp::Mul: return run([](float x, float y) { return x * y; });
    default: return run([](float x, float y) { return x / y; });
  }
}

// out = a op b on 16-bit elements stored as S, one pass; mul and div read a whole operand as float32.
template <typename S>
void run_on_reduced_floats(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType compute) {
  const bool a_whole = read_whole(op, a, compute), b_whole = read_whole(op, b, compute);
  if (!a_whole && !b_whole) return run_formula<float, S>(op, out, to_dtype(a, compute), to_dtype(b, compute));
  const Tensor a_in = to_dtype(a, a_whole ? DType::Float32 : compute), b_in = to_dtype(b, b_whole ? DType::Float32 : compute);
  with_arithmetic(op, [&](auto f) {
    if (b_whole) binary_kernel<S, S, float>(out, a_in, b_in, f);
    else binary_kernel<S, float, S>(out, a_in, b_in, f);
  });
}

// Whether a float32 op mixes in one 16-bit operand that the rows can widen element by element (a
// float32 residual plus a bfloat16 branch under autocast): add, sub, mul, div into float32 on the CPU.
bool widens_in_the_loop(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType compute) {
  const bool arithmetic = op == BinaryOp::Add || op == BinaryOp::Sub || op == BinaryOp::Mul || op == BinaryOp::Div;
  const bool one_reduced = is_reduced_float(a->dtype()) != is_reduced_float(b->dtype());
  const Tensor& other = is_reduced_float(a->dtype()) ? b : a;
  return arithmetic && compute == DType::Float32 && out->dtype() == DType::Float32 && out->device().is_cpu() &&
         one_reduced && other->dtype() == DType::Float32;
}

template <typename S>
void run_widening(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b) {
  with_arithmetic(op, [&](auto f) {
    if (is_reduced_float(a->dtype())) binary_kernel<float, S, float>(out, a, b, f);
    else binary_kernel<float, float, S>(out, a, b, f);
  });
}

// Casts the inputs to `compute` and runs the formula into `out` (whose dtype is the output dtype).
// The family's dispatch point: the GPU's kernel for CUDA tensors, else the CPU formulas.
void launch(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType compute) {
  // PyTorch's kernels read the operands in the 16-bit dtype (an int64 past 65504 is inf in float16),
  // except that mul and div read a 0-d operand whole (read_whole)
  if (runs_on_16_bit_elements(op, out, compute)) {
    return CR_DISPATCH_REDUCED_FLOAT(compute, binary_op_name(op), [&] { run_on_reduced_floats<scalar_t>(op, out, a, b, compute); });
  }
  if (widens_in_the_loop(op, out, a, b, compute)) {
    const DType reduced = is_reduced_float(a->dtype()) ? a->dtype() : b->dtype();
    return CR_DISPATCH_REDUCED_FLOAT(reduced, binary_op_name(op), [&] { run_widening<scalar_t>(op, out, a, b); });
  }
  if (is_reduced_float(compute) || any_reduced_float({&out})) {  // the rest: on float32 stand-ins
    auto read = [&](const Tensor& t) { return read_whole(op, t, compute) ? t : to_dtype(t, compute); };
    Tensor out32 = float32_output(out);
    launch(op, out32, read(a), read(b), is_reduced_float(compute) ? DType::Float32 : compute);
    return write_back(out, out32);
  }
  Tensor ac = to_dtype(a, compute), bc = to_dtype(b, compute);
  if (!out->device().is_cpu()) {
    // A 0-d CPU operand moves to the GPU first; integer division by zero is not checked there, as in PyTorch.
    const Shape& shape = out->sizes();
    const Device d = out->device();
    return cuda::binary_kernel(op, shape, device_operand(out, shape), device_operand(to_device(ac, d), shape),
                               device_operand(to_device(bc, d), shape), compute);
  }
  if (is_division(op) && is_integral(compute)) {
    CR_CHECK(!has_zero(bc), RuntimeError, binary_op_name(op), ": ZeroDivisionError (integer division by zero)");
  }
  CR_DISPATCH_ALL(compute, binary_op_name(op), [&] { run_formula<scalar_t>(op, out, ac, bc); });
}

// Backward formulas of out = a op b: the gradients w.r.t. a and b, summed back to their shapes
// and dtypes. Written with ops, so they can be differentiated again (create_graph=True).
void record_binary(BinaryOp op, const Tensor& a, const Tensor& b, const Tensor& out) {
  if (!needs_grad({&a, &b})) return;
  const TensorMeta ma(a), mb(b);
  // add and sub save nothing (a second backward through them needs no retain_graph, as in PyTorch)
  const bool saves_operands = op != BinaryOp::Add && op != BinaryOp::Sub;
  // As in PyTorch, mul and div keep an operand only where a gradient needs it: x * 0.5 or x / c (c
  // without grad) saves nothing of x, so x may be written in place before backward.
  const bool keeps_a = saves_operands && ((op != BinaryOp::Mul && op != BinaryOp::Div) || needs_grad({&b}));
  const bool keeps_b = saves_operands && (op != BinaryOp::Mul || needs_grad({&a}));
  // other before self, the order PyTorch's nodes save (and pack hooks see) them in
  const SavedTensor sb = keeps_b ? SavedTensor(b, false, "other") : SavedTensor();
  const SavedTensor sa = keeps_a ? SavedTensor(a, false, "self") : SavedTensor();
  // Each formula returns the gradients (da, db) for the incoming gradient g.
  auto define = [&](const char* name, auto formula) {
    record(name, {a, b}, {out}, [=](const TensorList& grads, const Node& node) -> TensorList {
      auto [da, db] = formula(grads[0], node);
      return {node.needs_input_grad(0) ? grad_for(da, ma) : nullptr, node.needs_input_grad(1) ? grad_for(db, mb) : nullptr};
    });
  };
  using Grads = std::pair<Tensor, Tensor>;
  switch (op) {
    case BinaryOp::Add: return define("AddBackward0", [](const Tensor& g, const Node&) { return Grads{g, g}; });
    case BinaryOp::Sub: return define("SubBackward0", [](const Tensor& g, const Node&) { return Grads{g, -g}; });
    case BinaryOp::Mul:
      return define("MulBackward0", [=](const Tensor& g, const Node& n) {
        return Grads{n.needs_input_grad(0) ? g * sb.unpack(n) : Tensor(), n.needs_input_grad(1) ? g * sa.unpack(n) : Tensor()};
      });
    case BinaryOp::Div:
      return define("DivBackward0", [=](const Tensor& g, const Node& n) {
        Tensor y = sb.unpack(n);
        return Grads{n.needs_input_grad(0) ? g / y : Tensor(),
                     n.needs_input_grad(1) ? -(g * sa.unpack(n)) / (y * y) : Tensor()};
      });
    case BinaryOp::Pow:
      return define("PowBackward1", [=](const Tensor& g, const Node& n) {
        Tensor x = sa.unpack(n), y = sb.unpack(n);
        // d/dx x^y = y x^(y - 1), taken as 0 where y == 0 (PyTorch's mask: 0 * inf at 0 ** 0).
        Tensor dx = where(binary(BinaryOp::Eq, y, Scalar(0.0)), zeros({}, g->dtype(), g->device()),
                          g * y * binary(BinaryOp::Pow, x, y - 1.0));
        // d/dy x^y = x^y log x, taken as 0 where x == 0 and y >= 0 (the limit PyTorch uses).
        Tensor zero_base = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Eq, x, Scalar(0.0)),
                                  binary(BinaryOp::Ge, y, Scalar(0.0)));
        Tensor dy = where(zero_base, zeros({}, g->dtype(), g->device()), g * binary(BinaryOp::Pow, x, y) * unary(UnaryOp::Log, x));
        return Grads{dx, dy};
      });
    case BinaryOp::Maximum:
    case BinaryOp::Minimum:
      return define(op == BinaryOp::Maximum ? "MaximumBackward0" : "MinimumBackward0", [=](const Tensor& g, const Node& n) {
        // The larger (smaller) input takes the gradient; ties split it evenly. As in PyTorch, an
        // input loses it only where the other compares larger (smaller): where either is NaN,
        // neither compares, and both take the gradient.
        Tensor x = sa.unpack(n), y = sb.unpack(n);
        Tensor x_wins = binary(op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt, x, y);
        Tensor y_wins = binary(op == BinaryOp::Maximum ? BinaryOp::Lt : BinaryOp::Gt, x, y);
        Tensor shared = where(binary(BinaryOp::Eq, x, y), g * 0.5, g);
        Tensor zero = zeros({}, g->dtype(), g->device());
        return Grads{where(y_wins, zero, shared), where(x_wins, zero, shared)};
      });
    case BinaryOp::Atan2:
      return define("Atan2Backward0", [=](const Tensor& g, const Node& n) {
        // PyTorch's form: g y / r2 and -g x / r2 through 1 / r2, taken as 0 where r2 == 0 (the
        // origin, or squares that underflow), so atan2'(0, 0) is 0, not 0 / 0.
        Tensor x = sa.unpack(n), y = sb.unpack(n);
        Tensor r2 = x * x + y * y;
        Tensor recip = where(binary(BinaryOp::Eq, r2, Scalar(0.0)), zeros({}, r2->dtype(), r2->device()),
                             unary(UnaryOp::Reciprocal, r2));
        return Grads{g * y * recip, g * -x * recip};
      });
    case BinaryOp::Xlogy:
      return define("XlogyBackward0", [=](const Tensor& g, const Node& n) {
        // PyTorch's formulas: d/dx = xlogy(g, y), set to 0 where x == 0 and y <= 0 (log y is no
        // number there); d/dy = g x / y, NaN at x == y == 0.
        Tensor x = sa.unpack(n), y = sb.unpack(n);
        Tensor no_log = binary(BinaryOp::LogicalAnd, binary(BinaryOp::Eq, x, Scalar(0.0)),
                               binary(BinaryOp::Le, y, Scalar(0.0)));
        return Grads{where(no_log, zeros({}, g->dtype(), g->device()), binary(BinaryOp::Xlogy, g, y)), g * x / y};
      });
    case BinaryOp::Remainder:
      return define("RemainderBackward0", [=](const Tensor& g, const Node& n) {
        return Grads{g, -(g * binary(BinaryOp::FloorDivide, sa.unpack(n), sb.unpack(n)))};
      });
    case BinaryOp::Fmod:  // a - trunc(a / b) * b
      return define("FmodBackward0", [=](const Tensor& g, const Node& n) {
        return Grads{g, -(g * unary(UnaryOp::Trunc, binary(BinaryOp::Div, sa.unpack(n), sb.unpack(n))))};
      });
    default:
      return;  // comparisons, logical and bitwise ops and floor_divide have no gradient
  }
}

Tensor binary_out_of_place(BinaryOp op, const Tensor& a, const Tensor& b, DType promoted) {
  Shape shape = broadcast_shapes(a->sizes(), b->sizes(), binary_op_name(op));
  check_operand_dtype(op, promoted);
  DType compute = compute_dtype(op, promoted);
  Tensor out = elementwise_output(shape, {&a, &b}, output_dtype(op, compute), common_device(binary_op_name(op), {&a, &b}),
                                  binary_op_name(op));
  launch(op, out, a, b, compute);
  record_binary(op, a, b, out);
  return out;
}

void binary_in_place(BinaryOp op, const Tensor& self, const Tensor& other, DType promoted) {
  const char* name = binary_op_name(op);
  common_device(name, {&self, &other});
  CR_CHECK(broadcast_shapes(self->sizes(), other->sizes(), name) == self->sizes(), ValueError, name,
           "_: the other operand's shape ", other->sizes(), " does not broadcast to the in-place shape ",
           self->sizes());
  DType compute = compute_dtype(op, promoted);
  DType result = output_dtype(op, compute);
  CR_CHECK(can_cast(result, self->dtype()), RuntimeError, name, "_: result type ", dtype_name(result),
           " can't be cast to the in-place tensor's dtype ", dtype_name(self->dtype()));
  check_operand_dtype(op, promoted);
  if (in_place_needs_grad(self, {&other}, str_cat(name, "_").c_str())) {
    // Recorded: compute from a copy of self (the formula may need its old values), then take over.
    return rebase_history(self, binary_out_of_place(op, clone(self), other, promoted));
  }
  Tensor src = (may_alias(self, other) && other.get() != self.get()) ? clone(other) : other;
  if (result == self->dtype()) {
    launch(op, self, self, src, compute);
    self->bump_version();
  } else {
    copy_(self, binary_out_of_place(op, self, src, promoted));
  }
}

// tensor ** number where PyTorch's pow_tensor_scalar computes it as another op, with that op's values:
// 0.5 and -0.5 as sqrt and rsqrt (which differ from pow at -0 and -inf), -1 as reciprocal, 2 and 3 as
// x * x and x * x * x, -2 as 1 / (x * x), 1 and 0 as a copy and ones (a NaN too). The products run as
// their passes, not as libm's pow one element at a time (x ** 2 of 4M floats: 1.4 ms, not 21).
// float16 takes pow for 3 and -2, as PyTorch's does (one rounding, where the products round twice).
// x is in the promoted floating dtype; nullopt: no special form. A tensor exponent keeps pow's values.
std::optional<Tensor> pow_special_form(const Tensor& x, const Scalar& exponent) {
  const double e = exponent.as_double();
  const bool products_round_like_pow = x->dtype() != DType::Float16;
  if (e == 0.5 && exponent.is_floating()) return unary(UnaryOp::Sqrt, x);
  if (e == -0.5 && exponent.is_floating()) return unary(UnaryOp::Rsqrt, x);
  if (e == -1) return unary(UnaryOp::Reciprocal, x);
  if (e == 2) return unary(UnaryOp::Square, x);
  if (e == 3 && products_round_like_pow) return binary(BinaryOp::Mul, unary(UnaryOp::Square, x), x);
  if (e == -2 && products_round_like_pow) return unary(UnaryOp::Reciprocal, unary(UnaryOp::Square, x));
  if (e == 1) return clone(x);
  if (e == 0) return ones(x->sizes(), x->dtype(), x->device());
  return std::nullopt;
}

// tensor ** number (PyTorch's PowBackward0): d/dx = e x^(e - 1) through this same op, so that x ** 0.5's
// gradient goes through rsqrt as PyTorch's does (-inf at -0); 0 for e == 0.
void record_pow_number_exponent(const Tensor& x, const Scalar& e, const Tensor& out) {
  if (!needs_grad({&x}) || !is_floating(out->dtype())) return;
  const TensorMeta meta(x);
  record("PowBackward0", {x}, {out}, [sx = SavedTensor(x, false, "self"), e, meta](const TensorList& g, const Node& n) {
    if (e.as_double() == 0.0) return TensorList{zeros(meta.sizes, meta.dtype, meta.device)};
    const Scalar lower = e.is_floating() ? Scalar(e.as_double() - 1.0) : Scalar(e.i - 1);
    return TensorList{grad_for(g[0] * binary(BinaryOp::Mul, binary(BinaryOp::Pow, sx.unpack(n), lower), e), meta)};
  });
}

// number ** tensor (PyTorch's PowBackward2): d/dy = b^y log b, 0 where b == 0 and y >= 0.
void record_pow_number_base(const Scalar& base, const Tensor& y, const Tensor& out) {
  if (!needs_grad({&y})) return;
  const TensorMeta meta(y);
  record("PowBackward2", {y}, {out}, [sy = SavedTensor(y, false, "exponent"), so = SavedTensor(out, true, "result"), base, meta](
                                         const TensorList& g, const Node& n) {
    Tensor grad = g[0] * (so.unpack(n) * std::log(base.as_double()));
    if (base.as_double() == 0.0) {
      grad = where(binary(BinaryOp::Ge, sy.unpack(n), Scalar(0.0)), zeros({}, grad->dtype(), grad->device()), grad);
    }
    return TensorList{grad_for(grad, meta)};
  });
}

// number - y (Python's 1 - x) as PyTorch records it: RsubBackward1, whose one input is y.
void record_reflected_subtraction(const Tensor& y, const Tensor& out) {
  if (!needs_grad({&y})) return;
  record("RsubBackward1", {y}, {out}, [meta = TensorMeta(y)](const TensorList& g, const Node&) {
    return TensorList{grad_for(unary(UnaryOp::Neg, g[0]), meta)};
  });
}

// An integer tensor to a negative integer power: ValueError, in place or not (PyTorch raises). An
// int32, int16, uint8 or int8 tensor's exponent must fit its dtype, as PyTorch checks it.
void check_integer_power(BinaryOp op, DType promoted, const Scalar& exponent) {
  if (op != BinaryOp::Pow || is_floating(promoted) || exponent.is_floating()) return;
  CR_CHECK(exponent.i >= 0, ValueError, "pow: integers to negative integer powers are not allowed (got exponent ",
           exponent.i, ")");
  if (is_small_integer(promoted)) {
    CR_DISPATCH_NUMERIC(promoted, "pow", [&] { (void)exponent.to<scalar_t>("pow"); });
  }
}

// A number operand as a 0-d tensor in the dtype the op computes in: a float result (div, atan2,
// xlogy) takes the number whole, as PyTorch does (uint8 / 2**62 is tiny, not a division by 2**62
// wrapped to 0); otherwise the promoted dtype, where arithmetic wraps as PyTorch's does.
// A 16-bit float tensor rounds the number to its dtype too, as PyTorch's wrapped numbers, except in
// mul and div, whose CPU kernels take it whole in float32 (their opmath type).
Tensor number_operand(BinaryOp op, const Scalar& number, DType promoted, Device device) {
  const DType compute = compute_dtype(op, promoted);
  const bool whole = is_reduced_float(compute) && (op == BinaryOp::Mul || op == BinaryOp::Div);
  return scalar_operand(number, whole ? DType::Float32 : compute, device);
}

}  // namespace

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b) {
  check_sub_operands(op, a->dtype(), b->dtype());
  return binary_out_of_place(op, a, b, result_type(a, b));
}

Tensor binary(BinaryOp op, const Tensor& a, const Scalar& b) {
  check_sub_operands(op, a->dtype(), b.default_dtype());
  DType promoted = result_type(a->dtype(), b);
  check_integer_power(op, promoted, b);
  if (op == BinaryOp::Pow) {  // the values of sqrt/rsqrt for +-0.5, pow's otherwise; PowBackward0
    Tensor out;
    {
      GradModeGuard plain(false);
      std::optional<Tensor> special = is_floating(promoted) ? pow_special_form(to_dtype(a, promoted), b) : std::nullopt;
      out = special ? *special : binary_out_of_place(op, a, number_operand(op, b, promoted, a->device()), promoted);
    }
    record_pow_number_exponent(a, b, out);
    return out;
  }
  return binary_out_of_place(op, a, number_operand(op, b, promoted, a->device()), promoted);
}

Tensor binary(BinaryOp op, const Scalar& a, const Tensor& b) {
  // 2 * x and 1 + x as x * 2 and x + 1, as PyTorch's __rmul__/__radd__: the same values, and the
  // tensor is the node's first input (grad_fn.next_functions[0], which graph walks follow)
  if (op == BinaryOp::Add || op == BinaryOp::Mul) return binary(op, b, a);
  check_sub_operands(op, a.default_dtype(), b->dtype());
  DType promoted = result_type(b->dtype(), a);
  if (op == BinaryOp::Pow || op == BinaryOp::Sub) {  // PowBackward2, RsubBackward1
    Tensor out;
    {
      GradModeGuard plain(false);
      out = binary_out_of_place(op, number_operand(op, a, promoted, b->device()), b, promoted);
    }
    if (op == BinaryOp::Pow) record_pow_number_base(a, b, out);
    else record_reflected_subtraction(b, out);
    return out;
  }
  return binary_out_of_place(op, number_operand(op, a, promoted, b->device()), b, promoted);
}

void binary_(BinaryOp op, const Tensor& self, const Tensor& other) {
  check_sub_operands(op, self->dtype(), other->dtype());
  binary_in_place(op, self, other, result_type(self, other));
}

void binary_(BinaryOp op, const Tensor& self, const Scalar& other) {
  check_sub_operands(op, self->dtype(), other.default_dtype());
  DType promoted = result_type(self->dtype(), other);
  check_integer_power(op, promoted, other);
  binary_in_place(op, self, number_operand(op, other, promoted, self->device()), promoted);
}

namespace {

// Truncated division: the true quotient rounded toward zero, in the operands' promoted dtype.
template <typename A, typename B>
Tensor divide_rounded(const A& a, const B& b, RoundingMode mode, DType promoted) {
  if (mode == RoundingMode::Floor) return binary(BinaryOp::FloorDivide, a, b);
  Tensor quotient = binary(BinaryOp::Div, a, b);
  return mode == RoundingMode::None ? quotient : to_dtype(unary(UnaryOp::Trunc, quotient), promoted);
}

}  // namespace

Tensor divide(const Tensor& a, const Tensor& b, RoundingMode mode) { return divide_rounded(a, b, mode, result_type(a, b)); }

Tensor divide(const Tensor& a, const Scalar& b, RoundingMode mode) {
  return divide_rounded(a, b, mode, result_type(a->dtype(), b));
}

Tensor divide(const Scalar& a, const Tensor& b, RoundingMode mode) {
  return divide_rounded(a, b, mode, result_type(b->dtype(), a));
}

}  // namespace cr
