// Reductions: the primitive ones (sum, prod, max/min, all/any) run the kernels of cpu/reduce.h;
// mean, var/std, norm and logsumexp are composed from them and elementwise ops. Each records its
// backward node here (formulas in reduce_backward.cpp); logsumexp and norm with p = 1 or +-inf need
// none of their own: they are composed of recorded ops.
#include "ops/reduce.h"

#include <cmath>
#include <limits>

#include "autograd/autocast.h"
#include "autograd/record.h"
#include "core/default_dtype.h"
#include "cpu/cumsum.h"
#include "cpu/reduce.h"
#include "cuda/cumsum.h"
#include "cuda/reduce.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/reduce_backward.h"
#include "ops/view.h"

namespace cr {

namespace {

uint32_t all_dims_mask(const Tensor& t) { return (uint32_t{1} << t->dim()) - 1; }

// t's sizes with the reduced dims set to 1 (the keepdim shape).
Shape keepdim_sizes(const Shape& sizes, uint32_t mask) {
  Shape out = sizes;
  for (size_t d = 0; d < sizes.size(); ++d) {
    if (mask >> d & 1) out[d] = 1;
  }
  return out;
}

// The result of a reduction computed with keepdim, reshaped to drop the reduced dims unless keepdim.
Tensor finish_keepdim(const Tensor& out, uint32_t mask, bool keepdim) {
  if (keepdim) return out;
  Shape kept;
  for (int64_t d = 0; d < out->dim(); ++d) {
    if (!(mask >> d & 1)) kept.push_back(out->size(d));
  }
  return reshape(out, kept);
}

// How many elements each output of the reduction combines.
int64_t reduced_count(const Tensor& t, uint32_t mask) {
  int64_t n = 1;
  for (int64_t d = 0; d < t->dim(); ++d) {
    if (mask >> d & 1) n *= t->size(d);
  }
  return n;
}

// sum, prod and cumsum of bool and every integer type give int64, as in PyTorch.
DType integer_promoted(DType t) { return is_floating(t) ? t : DType::Int64; }

// A sum, product or cumsum computed in int64, as the narrower integer dtype= asked for (wrapping
// modulo 2^bits, as accumulating in that dtype would).
Tensor as_requested(const Tensor& out, std::optional<DType> dtype) {
  return dtype && is_small_integer(*dtype) ? to_dtype(out, *dtype) : out;
}

// in reduced over the dims in mask into out (in's dims, size 1 on the reduced ones), for cpu/reduce.h.
ReduceLayout reduce_layout(const Tensor& in, const Tensor& out, uint32_t mask) {
  return {static_cast<int>(in->dim()), in->sizes().data(), in->strides().data(), out->strides().data(), mask};
}

// The GPU's name for each of the CPU's reducers.
template <template <typename> class Reducer>
constexpr cuda::ReduceKind reduce_kind();
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::SumReducer>() { return cuda::ReduceKind::Sum; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::SumOfSquaresReducer>() { return cuda::ReduceKind::SumOfSquares; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::ProdReducer>() { return cuda::ReduceKind::Prod; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::MaxReducer>() { return cuda::ReduceKind::Max; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::MinReducer>() { return cuda::ReduceKind::Min; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::AllReducer>() { return cuda::ReduceKind::All; }
template <>
constexpr cuda::ReduceKind reduce_kind<cpu::AnyReducer>() { return cuda::ReduceKind::Any; }

// The family's dispatch point: the GPU's kernel for CUDA tensors, else the CPU driver.
template <template <typename> class Reducer>
Tensor reduce_with(const Tensor& t, uint32_t mask, bool keepdim, DType out_dtype, const char* op) {
  if (is_reduced_float(t->dtype()) || is_reduced_float(out_dtype)) {  // accumulates in float32, rounded once
    const DType out32 = is_reduced_float(out_dtype) ? DType::Float32 : out_dtype;
    return to_dtype(reduce_with<Reducer>(float32_standin(t), mask, keepdim, out32, op), out_dtype);
  }
  Tensor out = TensorImpl::empty(keepdim_sizes(t->sizes(), mask), out_dtype, t->device());
  if (!t->device().is_cpu()) {
    cuda::reduce_kernel(reduce_kind<Reducer>(), t->dtype(), t->device_data(), reduce_layout(t, out, mask),
                        out->device_data());
    return finish_keepdim(out, mask, keepdim);
  }
  CR_DISPATCH_ALL(t->dtype(), op, [&] {
    using R = Reducer<scalar_t>;
    CR_CHECK(dtype_of<typename R::out_t>::value == out_dtype, RuntimeError, op, ": internal error: a ",
             describe(t), " reduces to ", dtype_name(dtype_of<typename R::out_t>::value), ", not ",
             dtype_name(out_dtype));
    cpu::reduce_kernel<R>(t->data<scalar_t>(), reduce_layout(t, out, mask), out->data<typename R::out_t>());
  });
  return finish_keepdim(out, mask, keepdim);
}

// max/min have no value for nothing: an empty reduced dim (or an empty tensor reduced whole)
// is an error naming the op.
void check_extreme_defined(const Tensor& t, const DimList& dims, uint32_t mask, const char* op) {
  if (!dims || dims->empty()) {
    CR_CHECK(t->numel() > 0, RuntimeError, op, ": cannot reduce an empty ", describe(t),
             " (it has no extreme value); specify the reduction dim with dim=");
    return;
  }
  for (int64_t d = 0; d < t->dim(); ++d) {
    CR_CHECK(!(mask >> d & 1) || t->size(d) > 0, IndexError, op, ": cannot reduce dim ", d, " of a ", describe(t),
             ": it has size 0 and so no extreme value");
  }
}

// max/min over all and amax/amin; `node` names the backward node (gradient split among ties).
Tensor extreme(const Tensor& t, const DimList& dims, bool keepdim, bool is_max, const char* op, const char* node,
               NanExtreme nan_extreme = NanExtreme::NanElements) {
  const uint32_t mask = reduced_dims_mask(t, dims, op);
  check_extreme_defined(t, dims, mask, op);
  Tensor out = is_max ? reduce_with<cpu::MaxReducer>(t, mask, keepdim, t->dtype(), op)
                      : reduce_with<cpu::MinReducer>(t, mask, keepdim, t->dtype(), op);
  if (needs_grad({&t})) {
    record(node, {t}, {out}, [sx = SavedTensor(t, false), sout = SavedTensor(out, true), mask, keepdim, nan_extreme](
                                 const TensorList& g, const Node& n) -> TensorList {
      return {extremes_backward(g[0], sx.unpack(n), sout.unpack(n), mask, keepdim, nan_extreme)};
    });
  }
  return out;
}

ValuesIndices extreme_along(const Tensor& t, int64_t dim, bool keepdim, bool is_max, const char* op) {
  dim = wrap_dim(dim, t->dim(), op);
  const uint32_t mask = t->dim() == 0 ? 0 : uint32_t{1} << dim;
  check_extreme_defined(t, DimList{{dim}}, mask, op);
  if (is_reduced_float(t->dtype())) {
    ValuesIndices staged = extreme_along(float32_standin(t), dim, keepdim, is_max, op);
    return {to_dtype(staged.values, t->dtype()), staged.indices};
  }
  const Shape sizes = keepdim_sizes(t->sizes(), mask);
  ValuesIndices out{TensorImpl::empty(sizes, t->dtype(), t->device()), TensorImpl::empty(sizes, DType::Int64, t->device())};
  const ReduceLayout layout = reduce_layout(t, out.values, uint32_t{1} << dim);
  if (!t->device().is_cpu()) {  // the dispatch point
    cuda::arg_reduce_kernel(is_max, t->dtype(), t->device_data(), layout, out.values->device_data(),
                            static_cast<int64_t*>(out.indices->device_data()));
    return {finish_keepdim(out.values, mask, keepdim), finish_keepdim(out.indices, mask, keepdim)};
  }
  CR_DISPATCH_ALL(t->dtype(), op, [&] {
    const scalar_t* in = t->data<scalar_t>();
    scalar_t* values = out.values->data<scalar_t>();
    if (is_max) cpu::arg_reduce_kernel<scalar_t, true>(in, layout, values, out.indices->data<int64_t>());
    else cpu::arg_reduce_kernel<scalar_t, false>(in, layout, values, out.indices->data<int64_t>());
  });
  return {finish_keepdim(out.values, mask, keepdim), finish_keepdim(out.indices, mask, keepdim)};
}

// max/min along dim, recording the values (the indices are not differentiable).
ValuesIndices recorded_extreme_along(const Tensor& t, int64_t dim, bool keepdim, bool is_max, const char* op) {
  ValuesIndices out = extreme_along(t, dim, keepdim, is_max, op);
  if (needs_grad({&t})) {
    const Shape in = t->sizes();
    const int64_t wrapped = t->dim() == 0 ? 0 : wrap_dim(dim, t->dim(), op);
    record(is_max ? "MaxBackward0" : "MinBackward0", {t}, {out.values},
           [in, wrapped, keepdim, si = SavedTensor(out.indices, false)](const TensorList& g, const Node& n) -> TensorList {
             return {selected_backward(g[0], si.unpack(n), in, wrapped, keepdim)};
           });
  }
  return out;
}

Tensor arg_extreme(const Tensor& t, std::optional<int64_t> dim, bool keepdim, bool is_max, const char* op) {
  if (dim) return extreme_along(t, *dim, keepdim, is_max, op).indices;
  CR_CHECK(t->numel() > 0, IndexError, op, ": cannot reduce an empty ", describe(t),
           " (it has no extreme value); specify the reduction dim with dim=");
  Tensor index = extreme_along(reshape(t, {t->numel()}), 0, false, is_max, op).indices;
  return keepdim ? reshape(index, Shape(static_cast<size_t>(t->dim()), 1)) : index;
}

void check_floating(const Tensor& t, const char* op) {
  CR_CHECK(is_floating(t->dtype()), DTypeError, op, ": expected a float32 or float64 tensor, got a ", describe(t));
}

// var (VarBackward0), or its square root std (StdBackward0) when `root`.
Tensor variance(const Tensor& t, const DimList& dims, double correction, bool keepdim, bool root) {
  const char* op = root ? "std" : "var";
  check_floating(t, op);
  const uint32_t mask = reduced_dims_mask(t, dims, op);
  const double dof = std::max(0.0, static_cast<double>(reduced_count(t, mask)) - correction);
  Tensor out;
  {
    GradModeGuard no_record(false);  // one node below instead of the five ops' history
    const Tensor x = float32_standin(t);  // 16-bit floats: in float32, rounded once
    Tensor deviation = binary(BinaryOp::Sub, x, mean(x, dims, true));
    Tensor squares = sum(binary(BinaryOp::Mul, deviation, deviation), dims, keepdim);
    out = binary(BinaryOp::Div, squares, Scalar(dof));
    if (root) out = unary(UnaryOp::Sqrt, out);
    out = to_dtype(out, t->dtype());
  }
  if (needs_grad({&t})) {
    const SavedTensor sx(t, false), sout = root ? SavedTensor(out, true) : SavedTensor();
    record(root ? "StdBackward0" : "VarBackward0", {t}, {out}, [=](const TensorList& g, const Node& n) -> TensorList {
      Tensor x = sx.unpack(n);
      return {root ? std_backward(g[0], x, sout.unpack(n), mask, keepdim, dof) : var_backward(g[0], x, mask, keepdim, dof)};
    });
  }
  return out;
}

}  // namespace

uint32_t reduced_dims_mask(const Tensor& t, const DimList& dims, const char* op) {
  if (!dims || dims->empty()) return all_dims_mask(t);
  uint32_t mask = 0;
  for (int64_t d : *dims) {
    const int64_t w = wrap_dim(d, t->dim(), op);
    CR_CHECK(!(mask >> w & 1), RuntimeError, op, ": dim ", w, " appears multiple times in the list of dims");
    mask |= uint32_t{1} << w;
  }
  return t->dim() == 0 ? 0 : mask;
}

Tensor sum(const Tensor& t, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  Tensor x = dtype ? to_dtype(t, *dtype) : t;
  const uint32_t mask = reduced_dims_mask(x, dims, "sum");
  Tensor out = reduce_with<cpu::SumReducer>(x, mask, keepdim, integer_promoted(x->dtype()), "sum");
  if (needs_grad({&x})) {
    const Shape in = x->sizes();
    record(dims ? "SumBackward1" : "SumBackward0", {x}, {out}, [=](const TensorList& g, const Node&) -> TensorList {
      return {expand_reduced(g[0], in, mask, keepdim)};
    });
  }
  return as_requested(out, dtype);
}

Tensor prod(const Tensor& t, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  CR_AUTOCAST(float32, prod, t, dims, keepdim, dtype);
  Tensor x = dtype ? to_dtype(t, *dtype) : t;
  const uint32_t mask = reduced_dims_mask(x, dims, "prod");
  Tensor out = reduce_with<cpu::ProdReducer>(x, mask, keepdim, integer_promoted(x->dtype()), "prod");
  if (needs_grad({&x})) {
    const bool whole = !dims || dims->empty();
    record(whole ? "ProdBackward0" : "ProdBackward1", {x}, {out},
           [sx = SavedTensor(x, false), sout = SavedTensor(out, true), mask, keepdim, whole](const TensorList& g,
                                                                                            const Node& n) -> TensorList {
             return {prod_backward(g[0], sx.unpack(n), sout.unpack(n), mask, keepdim, whole)};
           });
  }
  return as_requested(out, dtype);
}

Tensor mean(const Tensor& t, const DimList& dims, bool keepdim, std::optional<DType> dtype) {
  const DType work = dtype.value_or(t->dtype());
  CR_CHECK(is_floating(work), RuntimeError, "mean: could not infer the output dtype: the input is a ", describe(t),
           " and mean needs float32 or float64 (pass dtype=chainrule.float32)");
  const uint32_t mask = reduced_dims_mask(t, dims, "mean");
  const double count = static_cast<double>(reduced_count(t, mask));
  Tensor out;
  {
    GradModeGuard no_record(false);  // one node below, named as PyTorch names it
    const DType accumulate = is_reduced_float(work) ? DType::Float32 : work;  // 16-bit floats: rounded once
    out = to_dtype(binary(BinaryOp::Div, sum(t, dims, keepdim, accumulate), Scalar(count)), work);
  }
  if (needs_grad({&t})) {
    const Shape in = t->sizes();
    const TensorMeta meta(t);
    record(dims ? "MeanBackward1" : "MeanBackward0", {t}, {out}, [=](const TensorList& g, const Node&) -> TensorList {
      return {grad_for(binary(BinaryOp::Div, expand_reduced(g[0], in, mask, keepdim), Scalar(count)), meta)};
    });
  }
  return out;
}

Tensor max_all(const Tensor& t) { return extreme(t, std::nullopt, false, true, "max", "MaxBackward1"); }
Tensor min_all(const Tensor& t) { return extreme(t, std::nullopt, false, false, "min", "MinBackward1"); }
ValuesIndices max_dim(const Tensor& t, int64_t dim, bool keepdim) {
  return recorded_extreme_along(t, dim, keepdim, true, "max");
}
ValuesIndices min_dim(const Tensor& t, int64_t dim, bool keepdim) {
  return recorded_extreme_along(t, dim, keepdim, false, "min");
}
Tensor amax(const Tensor& t, const DimList& dims, bool keepdim) {
  return extreme(t, dims, keepdim, true, "amax", "AmaxBackward0", NanExtreme::NoElement);
}
Tensor amin(const Tensor& t, const DimList& dims, bool keepdim) {
  return extreme(t, dims, keepdim, false, "amin", "AminBackward0", NanExtreme::NoElement);
}
Tensor argmax(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(t, dim, keepdim, true, "argmax"); }
Tensor argmin(const Tensor& t, std::optional<int64_t> dim, bool keepdim) { return arg_extreme(t, dim, keepdim, false, "argmin"); }

namespace {

// all and any of a uint8 tensor are uint8 (0 or 1), as in PyTorch; of every other dtype bool. An
// empty tuple of dims reduces nothing: each element as a truth value.
template <template <typename> class Reducer>
Tensor truth_reduction(const Tensor& t, const DimList& dims, bool keepdim, const char* op) {
  const DType result = t->dtype() == DType::UInt8 ? DType::UInt8 : DType::Bool;
  if (dims && dims->empty()) return t->dtype() == DType::Bool ? clone(t) : to_dtype(to_dtype(t, DType::Bool), result);
  Tensor out = reduce_with<Reducer>(t, reduced_dims_mask(t, dims, op), keepdim, DType::Bool, op);
  return to_dtype(out, result);
}

}  // namespace

Tensor all(const Tensor& t, const DimList& dims, bool keepdim) {
  return truth_reduction<cpu::AllReducer>(t, dims, keepdim, "all");
}

Tensor any(const Tensor& t, const DimList& dims, bool keepdim) {
  return truth_reduction<cpu::AnyReducer>(t, dims, keepdim, "any");
}

Tensor var(const Tensor& t, const DimList& dims, double correction, bool keepdim) {
  return variance(t, dims, correction, keepdim, false);
}

Tensor std_dev(const Tensor& t, const DimList& dims, double correction, bool keepdim) {
  return variance(t, dims, correction, keepdim, true);
}

Tensor scaled_sum_of_squares(const Tensor& t, double scale, const char* op) {
  const Tensor x = float32_standin(t);
  const uint32_t all = reduced_dims_mask(x, std::nullopt, op);
  const Tensor sum = reduce_with<cpu::SumOfSquaresReducer>(x, all, false, x->dtype(), op);
  return to_dtype(binary(BinaryOp::Mul, sum, Scalar(scale)), t->dtype());
}

Tensor norm(const Tensor& t, double p, const DimList& dims, bool keepdim) {
  check_floating(t, "norm");
  const uint32_t mask = reduced_dims_mask(t, dims, "norm");
  const double inf = std::numeric_limits<double>::infinity();
  if (p == 1) return sum(unary(UnaryOp::Abs, t), dims, keepdim);
  if (p == inf || p == -inf) {
    return extreme(unary(UnaryOp::Abs, t), dims, keepdim, p > 0, "norm", p > 0 ? "AmaxBackward0" : "AminBackward0",
                   NanExtreme::NanElementsScaled);
  }
  Tensor out;
  {
    GradModeGuard no_record(false);  // one node below, with PyTorch's gradient where the norm is 0
    const Tensor x = float32_standin(t);  // 16-bit floats: in float32, rounded once
    if (p == 0) out = sum(binary(BinaryOp::Ne, x, Scalar(0.0)), dims, keepdim);
    else if (p == 2) out = unary(UnaryOp::Sqrt, reduce_with<cpu::SumOfSquaresReducer>(x, mask, keepdim, x->dtype(), "norm"));
    else out = binary(BinaryOp::Pow, sum(binary(BinaryOp::Pow, unary(UnaryOp::Abs, x), Scalar(p)), dims, keepdim),
                      Scalar(1.0 / p));
    out = to_dtype(out, t->dtype());
  }
  if (needs_grad({&t})) {
    record("LinalgVectorNormBackward0", {t}, {out},
           [sx = SavedTensor(t, false), sout = SavedTensor(out, true), p, mask, keepdim](const TensorList& g,
                                                                                        const Node& n) -> TensorList {
             Tensor x = sx.unpack(n);
             if (p == 0) return {zeros(x->sizes(), x->dtype(), x->device())};  // counting nonzeros is piecewise constant
             return {norm_backward(g[0], x, sout.unpack(n), p, mask, keepdim)};
           });
  }
  return out;
}

Tensor logsumexp(const Tensor& t, const DimList& dims, bool keepdim) {
  Tensor x = is_floating(t->dtype()) ? t : to_dtype(t, default_float_dtype());
  const uint32_t mask = reduced_dims_mask(x, dims, "logsumexp");
  if (x->numel() == 0) return unary(UnaryOp::Log, sum(unary(UnaryOp::Exp, x), dims, keepdim));
  // Shift by the max; an infinite max shifts by 0 instead so that inf - inf never makes NaN.
  Tensor shift = reduce_with<cpu::MaxReducer>(x, mask, true, x->dtype(), "logsumexp");
  Tensor infinite = binary(BinaryOp::Eq, unary(UnaryOp::Abs, shift), Scalar(std::numeric_limits<double>::infinity()));
  shift = where(infinite, scalar_tensor(Scalar(0.0), x->dtype(), x->device()), shift);
  Tensor total = sum(unary(UnaryOp::Exp, binary(BinaryOp::Sub, x, shift)), dims, keepdim);
  return binary(BinaryOp::Add, unary(UnaryOp::Log, total), finish_keepdim(shift, mask, keepdim));
}

Tensor cumsum(const Tensor& t, int64_t dim, std::optional<DType> dtype) {
  dim = wrap_dim(dim, t->dim(), "cumsum");
  Tensor x = dtype ? to_dtype(t, *dtype) : t;
  Tensor out = TensorImpl::empty(x->sizes(), integer_promoted(x->dtype()), x->device());
  {
    GradModeGuard no_record(false);  // out's history is the node below, not the copy
    copy_(out, x);
  }
  if (x->dim() > 0 && x->numel() > 0) {
    CumsumShape shape{1, x->size(dim), 1};
    for (int64_t d = 0; d < dim; ++d) shape.outer *= x->size(d);
    for (int64_t d = dim + 1; d < x->dim(); ++d) shape.inner *= x->size(d);
    Tensor sums = float32_standin(out);  // 16-bit floats add up in float32, each sum rounded once
    CR_DISPATCH_WIDE(sums->dtype(), "cumsum", [&] {  // the family's dispatch point
      auto* data = static_cast<scalar_t*>(sums->device_data());
      sums->device().is_cpu() ? cpu::cumsum_in_place(data, shape) : cuda::cumsum_in_place(sums->device(), data, shape);
    });
    write_back(out, sums);
  }
  if (needs_grad({&x})) {
    record("CumsumBackward0", {x}, {out}, [dim](const TensorList& g, const Node&) -> TensorList {
      return {cumsum_backward(g[0], dim)};
    });
  }
  return as_requested(out, dtype);
}

}  // namespace cr
