// sort, argsort, topk, kthvalue, median, quantile, searchsorted: the input is laid out with `dim`
// last and contiguous, each line's order (or picked index, quantile position, search position) is
// found by the kernels of cpu/sort.h, and moved back to `dim`. On a GPU one stable sort of the lines
// (cuda/sort.h) gives every order: topk takes its first k columns, kthvalue and median one column.
// Values are gather(input, dim, indices): their backward is GatherBackward0, which scatters the
// gradient back to the positions the values came from (PyTorch's
// SortBackward0/TopkBackward0/KthvalueBackward0/MedianBackward1).
#include "ops/sort.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "autograd/autocast.h"
#include "autograd/record.h"
#include "cpu/sort.h"
#include "cuda/sort.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/deferred_checks.h"
#include "ops/elementwise.h"
#include "ops/float32_staging.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/reduce_backward.h"
#include "ops/view.h"

namespace cr {

namespace {

// The count of lines along the last dim of a contiguous tensor.
int64_t line_count(const Tensor& lines) {
  int64_t count = 1;
  for (int64_t d = 0; d + 1 < lines->dim(); ++d) count *= lines->size(d);
  return count;
}

// Calls kernel(values, lines, order) once on CPU input laid out as lines along dim (input has >= 1
// dim); the orders (k entries per line) form an int64 tensor of input's shape with dim of size k.
template <typename Kernel>
Tensor order_along(const Tensor& input, int64_t dim, int64_t k, const char* op, const Kernel& kernel) {
  GradModeGuard no_record(false);  // indices have no gradient
  Tensor lines = contiguous(movedim(float32_standin(input), dim, -1));  // 16-bit floats compare as float32
  const int64_t n = lines->sizes().back();
  Shape out_sizes = lines->sizes();
  out_sizes[out_sizes.size() - 1] = k;
  Tensor order = TensorImpl::empty(out_sizes, DType::Int64, input->device());
  const cpu::Lines shape{line_count(lines), n};
  CR_DISPATCH_ALL(lines->dtype(), op, [&] { kernel(lines->data<scalar_t>(), shape, order->data<int64_t>()); });
  return contiguous(movedim(order, -1, dim));
}

// The GPU's order of every line along dim of a GPU input (>= 1 dim): an int64 tensor of its shape.
Tensor gpu_order(const Tensor& input, int64_t dim, bool descending) {
  GradModeGuard no_record(false);
  Tensor lines = contiguous(movedim(float32_standin(input), dim, -1));
  Tensor order = TensorImpl::empty(lines->sizes(), DType::Int64, input->device());
  cuda::sort_lines(lines->dtype(), lines->device(), lines->device_data(), line_count(lines), lines->sizes().back(),
                   descending, static_cast<int64_t*>(order->device_data()));
  return movedim(order, -1, dim);
}

// 0-d inputs act as 1-d of one element; returns the wrapped dim and that view.
Tensor at_least_1d(const Tensor& input, int64_t& dim, const char* op) {
  dim = wrap_dim(dim, std::max<int64_t>(input->dim(), 1), op);
  return input->dim() == 0 ? reshape(input, {1}) : input;
}

Tensor like_input(const Tensor& indices, const Tensor& input) {
  return input->dim() == 0 ? reshape(indices, {}) : indices;
}

ValuesIndices values_at(const Tensor& input, int64_t dim, const Tensor& indices) {
  return {gather(input, input->dim() == 0 ? 0 : dim, indices), indices};
}

// One index per line along dim, and the value there; dim is kept (size 1) when keepdim, removed
// otherwise. On the CPU pick(values, lines, index) finds it; on a GPU it is the entry of the
// line's ascending order at the position gpu_position(lines, dim) gives (int64, dim of size 1).
template <typename Pick, typename Position>
ValuesIndices pick_along(const Tensor& input, int64_t dim, bool keepdim, const char* op, const Pick& pick,
                         const Position& gpu_position) {
  Tensor lines = at_least_1d(input, dim, op);
  CR_CHECK(lines->size(dim) > 0, IndexError, op, "(): Expected reduction dim ", dim,
           " to have non-zero size (input of shape ", input->sizes(), ")");
  Tensor index;
  if (lines->device().is_cpu()) {
    index = order_along(lines, dim, 1, op, pick);
  } else {
    GradModeGuard no_record(false);
    index = gather(gpu_order(lines, dim, false), dim, gpu_position(lines, dim));
  }
  ValuesIndices r{gather(lines, dim, index), index};
  if (keepdim && input->dim() > 0) return r;
  Shape removed = input->sizes();
  if (input->dim() > 0) removed.erase(static_cast<size_t>(dim));
  return {reshape(r.values, removed), reshape(r.indices, removed)};
}

}  // namespace

Tensor argsort(const Tensor& input, int64_t dim, bool descending) {
  Tensor lines = at_least_1d(input, dim, "sort");
  if (!lines->device().is_cpu()) return like_input(contiguous(gpu_order(lines, dim, descending)), input);
  auto kernel = [&](const auto* values, const cpu::Lines& s, int64_t* order) {
    cpu::sort_lines(values, s, descending, order);
  };
  Tensor order = order_along(lines, dim, lines->size(dim), "sort", kernel);
  return like_input(order, input);
}

ValuesIndices sort(const Tensor& input, int64_t dim, bool descending) {
  return values_at(input, dim, argsort(input, dim, descending));
}

ValuesIndices topk(const Tensor& input, int64_t k, int64_t dim, bool largest) {
  CR_CHECK(input->dtype() != DType::Bool, RuntimeError,
           "topk does not support bool dtypes (got a bool tensor of shape ", input->sizes(), ")");
  Tensor lines = at_least_1d(input, dim, "topk");
  const int64_t n = lines->size(dim);
  CR_CHECK(k >= 0 && k <= n, RuntimeError, "topk: selected index k out of range: k = ", k, " but dim ", dim,
           " of the input of shape ", input->sizes(), " has size ", n);
  auto kernel = [&](const auto* values, const cpu::Lines& s, int64_t* order) {
    cpu::topk_lines(values, s, k, largest, order);
  };
  Tensor order = lines->device().is_cpu() ? order_along(lines, dim, k, "topk", kernel)
                                          : contiguous(narrow(gpu_order(lines, dim, largest), dim, 0, k));
  return values_at(input, dim, like_input(order, input));
}

ValuesIndices kthvalue(const Tensor& input, int64_t k, int64_t dim, bool keepdim) {
  const int64_t d = wrap_dim(dim, std::max<int64_t>(input->dim(), 1), "kthvalue");
  const int64_t n = input->dim() == 0 ? 1 : input->size(d);
  CR_CHECK(k >= 1 && k <= n, RuntimeError, "kthvalue(): selected number k out of range for dimension ", d,
           ": k = ", k, " but the input of shape ", input->sizes(), " has ", n, " elements there");
  return pick_along(
      input, d, keepdim, "kthvalue",
      [k](const auto* values, const cpu::Lines& s, int64_t* index) { cpu::kth_lines(values, s, k - 1, index); },
      [k](const Tensor& lines, int64_t dim) {
        Shape one = lines->sizes();
        one[static_cast<size_t>(dim)] = 1;
        return full(one, Scalar(k - 1), DType::Int64, lines->device());
      });
}

ValuesIndices median_dim(const Tensor& input, int64_t dim, bool keepdim, bool ignore_nan) {
  // On a GPU, the lower median's position in the ascending order (NaN last) of a line of n with
  // `nans` NaN: (n - 1) / 2 without NaN; with NaN, median's is the first NaN's (n - nans) and
  // nanmedian's the lower median of the others, (n - nans - 1) / 2 (the first NaN, 0, if all are).
  auto gpu_position = [ignore_nan](const Tensor& lines, int64_t dim) {
    const int64_t n = lines->size(dim);
    Tensor nans = sum(binary(BinaryOp::Ne, lines, lines), std::vector<int64_t>{dim}, true);
    Tensor valid = binary(BinaryOp::Sub, Scalar(n), nans);
    if (ignore_nan) {
      Tensor last_valid = binary(BinaryOp::Sub, binary(BinaryOp::Maximum, valid, Scalar(1)), Scalar(1));
      return binary(BinaryOp::FloorDivide, last_valid, Scalar(2));
    }
    return where(binary(BinaryOp::Gt, nans, Scalar(0)), valid, Scalar((n - 1) / 2));
  };
  return pick_along(
      input, dim, keepdim, ignore_nan ? "nanmedian" : "median",
      [ignore_nan](const auto* values, const cpu::Lines& s, int64_t* index) {
        cpu::median_lines(values, s, ignore_nan, index);
      },
      gpu_position);
}

// The median of all elements; its gradient is split evenly among the elements equal to it (the NaN
// elements when it is NaN), as PyTorch's evenly_distribute_backward, where median(dim) picks one.
Tensor median_all(const Tensor& input, bool ignore_nan) {
  const char* node = ignore_nan ? "NanmedianBackward0" : "MedianBackward0";
  if (input->numel() == 0) {
    CR_CHECK(is_floating(input->dtype()), RuntimeError, ignore_nan ? "nanmedian" : "median",
             "(): an empty ", dtype_name(input->dtype()), " tensor has no median");
    Tensor nan = full({}, Scalar(std::numeric_limits<double>::quiet_NaN()), input->dtype(), input->device());
    record_zero_gradient(node, input, nan);
    return nan;
  }
  Tensor out;
  {
    GradModeGuard no_record(false);
    out = reshape(median_dim(reshape(input, {-1}), 0, false, ignore_nan).values, {});
  }
  if (needs_grad({&input})) {
    const uint32_t every_dim = static_cast<uint32_t>((uint64_t{1} << input->dim()) - 1);
    record(node, {input}, {out}, [sx = SavedTensor(input, false), sout = SavedTensor(out, true), every_dim](
                                     const TensorList& g, const Node& n) -> TensorList {
      return {extremes_backward(g[0], sx.unpack(n), sout.unpack(n), every_dim, false, NanExtreme::NanElements)};
    });
  }
  return out;
}

namespace {

// The q values as doubles, each checked to lie in [0, 1].
std::vector<double> quantile_levels(const Tensor& q, const char* op) {
  GradModeGuard no_record(false);
  Tensor levels = contiguous(to_dtype(to_host(reshape(q, {-1})), DType::Float64));  // a GPU q waits
  std::vector<double> out(levels->data<double>(), levels->data<double>() + levels->numel());
  for (double level : out) {
    CR_CHECK(level >= 0 && level <= 1, RuntimeError, op, "() q must be in the range [0, 1] but got ", level);
  }
  return out;
}

}  // namespace

Tensor quantile(const Tensor& input, const Tensor& q, std::optional<int64_t> dim, bool keepdim,
                Interpolation interpolation, bool ignore_nan) {
  CR_AUTOCAST(float32, quantile, input, q, dim, keepdim, interpolation, ignore_nan);
  const char* op = ignore_nan ? "nanquantile" : "quantile";
  CR_CHECK(input->dtype() == DType::Float32 || input->dtype() == DType::Float64, RuntimeError, op,
           "() input tensor must be either float or double dtype, got ",
           dtype_name(input->dtype()));
  CR_CHECK(q->dtype() == input->dtype(), RuntimeError, op, "() q tensor must be same dtype as the input tensor (",
           dtype_name(q->dtype()), " q, ", dtype_name(input->dtype()), " input)");
  CR_CHECK(q->dim() <= 1, RuntimeError, op, "() q must be a scalar or 1D tensor, got shape ", q->sizes());
  CR_CHECK(input->numel() > 0, RuntimeError, op, "() input tensor must be non-empty");
  const std::vector<double> levels = quantile_levels(q, op);
  const int64_t nq = static_cast<int64_t>(levels.size());
  Tensor x = dim ? input : reshape(input, {-1});
  const int64_t d = wrap_dim(dim.value_or(0), std::max<int64_t>(x->dim(), 1), op);
  if (x->dim() == 0) x = reshape(x, {1});
  Tensor sorted = movedim(sort(x, d).values, d, -1);  // (..., n), NaN last
  const int64_t n = sorted->sizes().back();

  // Per line and level: the sorted positions to read and the weight of the upper one (found on the
  // host, which for a GPU input waits for its sorted values).
  Shape rank_sizes = sorted->sizes();
  rank_sizes[rank_sizes.size() - 1] = nq;
  Tensor below = TensorImpl::empty(rank_sizes, DType::Int64, kCpu);
  Tensor above = TensorImpl::empty(rank_sizes, DType::Int64, kCpu);
  Tensor weight = TensorImpl::empty(rank_sizes, DType::Float64, kCpu);
  {
    GradModeGuard no_record(false);
    Tensor values = contiguous(to_dtype(to_host(sorted), DType::Float64));
    const cpu::QuantileLevels read{levels.data(), nq, input->dtype() == DType::Float32, ignore_nan, interpolation};
    cpu::quantile_positions(values->data<double>(), {values->numel() / n, n}, read, below->data<int64_t>(),
                            above->data<int64_t>(), weight->data<double>());
    below = to_device(below, sorted->device()), above = to_device(above, sorted->device());
    weight = to_device(weight, sorted->device());
  }
  Tensor out = gather(sorted, -1, below);
  if (interpolation == Interpolation::Linear || interpolation == Interpolation::Midpoint) {
    // lerp(below, above, w) as PyTorch computes it, for the same rounding and infinities
    Tensor upper = gather(sorted, -1, above), w = to_dtype(weight, input->dtype());
    Tensor diff = binary(BinaryOp::Sub, upper, out);
    Tensor from_below = binary(BinaryOp::Add, out, binary(BinaryOp::Mul, w, diff));
    Tensor complement = binary(BinaryOp::Sub, Scalar(1.0), w);
    Tensor from_above = binary(BinaryOp::Sub, upper, binary(BinaryOp::Mul, diff, complement));
    out = where(binary(BinaryOp::Lt, w, Scalar(0.5)), from_below, from_above);
  }
  if (keepdim && input->dim() > 0) {
    if (dim) {
      out = unsqueeze(out, d);
    } else {
      Shape ones(static_cast<size_t>(input->dim()), 1);
      ones.push_back(nq);
      out = reshape(out, ones);
    }
  }
  return q->dim() == 1 ? movedim(out, -1, 0) : select(out, -1, 0);
}

namespace {

// RuntimeError unless values can be searched in sorted_sequence line by line (see searchsorted).
void check_search_shapes(const Tensor& seq, const Tensor& values, const Tensor& sorter) {
  CR_CHECK(seq->dim() >= 1, RuntimeError,
           "torch.searchsorted(): boundaries tensor should have positive dimension, but got 0 dimension");
  bool leading_match = seq->dim() == 1 || seq->dim() == values->dim();
  for (int64_t d = 0; leading_match && d + 1 < seq->dim(); ++d) leading_match = seq->size(d) == values->size(d);
  CR_CHECK(leading_match, RuntimeError, "torch.searchsorted(): boundaries tensor should be 1 dimension or the first ",
           "N-1 dimensions of boundaries tensor and input value tensor must match, but we got boundaries tensor ",
           seq->sizes(), " and input value tensor ", values->sizes());
  if (!sorter) return;
  CR_CHECK(sorter->dtype() == DType::Int64 && sorter->sizes() == seq->sizes(), RuntimeError,
           "torch.searchsorted(): sorter must be an int64 tensor of the boundaries' shape ", seq->sizes(), ", got a ",
           dtype_name(sorter->dtype()), " tensor of shape ", sorter->sizes());
}

// RuntimeError unless every sorter entry lies in [0, m): on the spot for a CPU sorter, at the next
// wait for a GPU one (ops/deferred_checks.h).
void check_sorter(const Tensor& order, int64_t m) {
  const char* message = "torch.searchsorted(): sorter index out of range";
  if (!order->device().is_cpu()) {
    defer_range_check(order, 0, m, raise_error<RuntimeError>, std::string(message) + " (got ", ")");
    return;
  }
  const int64_t* o = order->data<int64_t>();
  CR_CHECK(std::all_of(o, o + order->numel(), [m](int64_t i) { return i >= 0 && i < m; }), RuntimeError, message);
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool right, const Tensor& sorter) {
  check_search_shapes(sorted_sequence, values, sorter);
  const Device device = common_device("searchsorted", {&sorted_sequence, &values, &sorter});
  GradModeGuard no_record(false);  // positions have no gradient
  const bool integral = !is_floating(sorted_sequence->dtype()) && !is_floating(values->dtype());
  const DType common = integral ? DType::Int64 : DType::Float64;
  Tensor seq = contiguous(to_dtype(sorted_sequence, common)), v = contiguous(to_dtype(values, common));
  Tensor order = sorter ? contiguous(sorter) : nullptr;
  const int64_t m = seq->sizes().back(), lines = seq->numel() / std::max<int64_t>(m, 1);
  const int64_t per_line = sorted_sequence->dim() == 1 ? v->numel() : v->numel() / std::max<int64_t>(lines, 1);
  if (order) check_sorter(order, m);
  Tensor out = TensorImpl::empty(values->sizes(), DType::Int64, device);
  const SearchShape shape{m, v->numel(), per_line};  // a 1-d sequence: every value in line 0
  const int64_t* order_data = order ? static_cast<const int64_t*>(order->device_data()) : nullptr;
  auto* position = static_cast<int64_t*>(out->device_data());
  if (!device.is_cpu()) {  // the family's dispatch point
    cuda::search_sorted(common, seq->device_data(), order_data, v->device_data(), shape, right, position);
    return out;
  }
  CR_DISPATCH_NUMERIC(common, "searchsorted", [&] {
    cpu::search_sorted(seq->data<scalar_t>(), order_data, v->data<scalar_t>(), shape, right, position);
  });
  return out;
}

}  // namespace cr
