// The dim-wise index ops: gather, scatter, scatter_add (their kernels in cpu/gather_scatter.h: one
// line of `dim` per position of the other dims), take_along_dim (a broadcasting
// gather), and index_select, index_add and take, which are advanced indexing on one dim
// (ops/index.cpp). Every index value is checked before any
// memory is touched. Each op records its backward beside it (GatherBackward0 is scatter_add,
// ScatterBackward0/ScatterAddBackward0 use gather, IndexAddBackward0 uses index_select); in-place
// variants on tensors in a graph run the recorded out-of-place op and take its place.
#include <algorithm>

#include "autograd/record.h"
#include "cpu/gather_scatter.h"
#include "cuda/index.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/deferred_checks.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/index.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace cr {

namespace {

// gather, scatter, index_select and index_add take int64 or int32 indices, as PyTorch does; the
// kernels read int64, so an int32 index is widened first.
Tensor int64_index(const Tensor& index, const char* op) {
  CR_CHECK(index->dtype() == DType::Int64 || index->dtype() == DType::Int32, RuntimeError, op,
           ": expected dtype int32 or int64 for index, got ", dtype_name(index->dtype()));
  return index->dtype() == DType::Int32 ? to_dtype(index, DType::Int64) : index;
}

// Every value of index in [0, size); IndexError naming op, the value and the size otherwise. On a
// GPU the check runs there and its error comes at the next wait for the GPU (ops/deferred_checks.h);
// the index the kernel then reads has 0 in place of a bad value, so it never reads out of bounds.
Tensor checked_index(const Tensor& index, int64_t size, int64_t dim, const char* op) {
  if (!index->device().is_cpu()) {
    GradModeGuard no_record(false);
    const Tensor bad = defer_range_check(index, 0, size, raise_error<IndexError>, str_cat(op, ": index "),
                                         str_cat(" is out of bounds for dim ", dim, " with size ", size));
    return where(bad, Scalar(int64_t{0}), index);
  }
  Tensor values = contiguous(index);
  const int64_t* v = values->data<int64_t>();
  const int64_t n = values->numel();
  const int64_t* bad = std::find_if(v, v + n, [size](int64_t x) { return x < 0 || x >= size; });
  CR_CHECK(bad == v + n, IndexError, op, ": index ", *bad, " is out of bounds for dim ", dim, " with size ", size);
  return index;
}

// The operand an index addresses, walked over index's sizes (which may be smaller than its own): its
// strides with 0 at dim, where the index value picks the position, `stride(dim)` apart.
StridedOperand addressed_operand(const Tensor& t, int64_t dim) {
  Shape strides = t->strides();
  strides[dim] = 0;
  return {static_cast<char*>(t->device_data()), static_cast<int64_t>(itemsize(t->dtype())), strides};
}

// A 0-d tensor as a 1-d view of one element (the dim-wise ops then see one dim).
Tensor as_1d(const Tensor& t) { return t->dim() == 0 ? reshape(t, {1}) : t; }

// Shape rules shared by gather and scatter: same rank, index no larger than `other` in any dim
// but `dim` (or in any dim when every_dim).
void check_index_fits(const Tensor& index, const Tensor& other, int64_t dim, bool every_dim, const char* op,
                      const char* other_name) {
  CR_CHECK(index->dim() == other->dim(), ValueError, op, ": index of shape ", index->sizes(), " must have as many dims as ",
           other_name, " of shape ", other->sizes());
  for (int64_t d = 0; d < index->dim(); ++d) {
    CR_CHECK((d == dim && !every_dim) || index->size(d) <= other->size(d), ValueError, op, ": index of shape ",
             index->sizes(), " is larger than ", other_name, " of shape ", other->sizes(), " in dim ", d);
  }
}

// self[... index[pos] ...] (=|+=) src[pos] along dim, for every position of index.
void scatter_impl(const Tensor& self_in, int64_t dim, const Tensor& index_in, const Tensor& src_in, bool accumulate,
                  const char* op) {
  check_no_internal_overlap(self_in, op);
  CR_CHECK(src_in->dtype() == self_in->dtype(), DTypeError, op, ": src dtype ", dtype_name(src_in->dtype()),
           " must match self dtype ", dtype_name(self_in->dtype()));
  if (accumulate && is_reduced_float(self_in->dtype())) {  // sums in float32, each element rounded once
    Tensor self32 = float32_standin(self_in);
    scatter_impl(self32, dim, index_in, float32_standin(src_in), accumulate, op);
    write_back(self_in, self32);
    return self_in->bump_version();
  }
  Tensor self = as_1d(self_in), index = as_1d(int64_index(index_in, op)), src = as_1d(src_in);
  const int64_t d = wrap_dim(dim, self->dim(), op);
  check_index_fits(index, self, d, false, op, "self");
  check_index_fits(index, src, d, true, op, "src");
  common_device(op, {&self, &index, &src});
  index = checked_index(index, self->size(d), d, op);
  if (may_alias(src, self)) src = clone(src);
  if (may_alias(index, self)) index = clone(index);
  if (!self->device().is_cpu()) {  // the family's dispatch point (here and in gather)
    cuda::scatter(moved_as(self->dtype()), index->sizes(), addressed_operand(self, d),
                  device_operand(index, index->sizes()), device_operand(src, index->sizes()), self->stride(d),
                  accumulate);
    return self_in->bump_version();
  }
  const cpu::DimIndexShape shape{index->sizes(), d, {self->strides(), index->strides(), src->strides()}};
  auto body = [&](auto tag) {
    using scalar_t = decltype(tag);
    cpu::scatter_kernel(self->data<scalar_t>(), index->data<int64_t>(), src->data<scalar_t>(), shape, accumulate);
  };
  if (accumulate) {
    CR_DISPATCH_NUMERIC(self->dtype(), op, [&] { body(scalar_t{}); });
  } else {
    CR_DISPATCH_ALL(moved_as(self->dtype()), op, [&] { body(scalar_t{}); });
  }
  self_in->bump_version();
}

// input with `dim` replaced by a 1-d index; null entries keep the other dims whole.
std::vector<Tensor> dim_index(int64_t dim, const Tensor& index) {
  std::vector<Tensor> indices(static_cast<size_t>(dim + 1));
  indices[dim] = reshape(index, {-1});
  return indices;
}

// index_select's and index_add's index as int64, checked to be 0-d or 1-d and in range.
Tensor checked_select_index(const Tensor& input, int64_t dim, const Tensor& index_in, const char* op) {
  Tensor index = int64_index(index_in, op);
  CR_CHECK(index->dim() <= 1, ValueError, op, ": index must be 0-d or 1-d, got shape ", index->sizes());
  // A GPU index is checked on the GPU by advanced indexing, which index_select and index_add run.
  if (index->device().is_cpu()) checked_index(index, input->size(dim), dim, op);
  return index;
}

// The part of src that scatter reads: its leading corner of index's shape (src may be larger).
// Scattering from that view gives src the gradient of the corner, zeros elsewhere.
Tensor read_part(const Tensor& src, const Tensor& index) {
  if (src->dim() != index->dim() || src->sizes() == index->sizes()) return src;
  Tensor part = src;
  for (int64_t d = 0; d < src->dim(); ++d) {
    if (index->size(d) > src->size(d)) return src;  // scatter_impl reports it
    part = narrow(part, d, 0, index->size(d));
  }
  return part;
}

// self's gradient where scatter overwrote positions: g with those positions zeroed.
Tensor scattered_out(const Tensor& g, int64_t dim, const Tensor& index) { return scatter(g, dim, index, Scalar(0.0)); }

// index_add_ without autograd: self.index_select(dim, index) += alpha * source.
void add_at_index(const Tensor& self_in, int64_t dim, const Tensor& index_in, const Tensor& source_in,
                  const Scalar& alpha) {
  Tensor self = as_1d(self_in), source = as_1d(source_in);
  const int64_t d = wrap_dim(dim, self->dim(), "index_add_");
  const Tensor index = checked_select_index(self, d, index_in, "index_add_");
  Shape expected = self->sizes();
  expected[d] = index->numel();
  CR_CHECK(source->sizes() == expected, ValueError, "index_add_: source of shape ", source->sizes(),
           " must have shape ", expected, " (self of shape ", self->sizes(), " with dim ", d, " of size ",
           index->numel(), ", the index length)");
  CR_CHECK(can_cast(result_type(source->dtype(), alpha), self->dtype()), DTypeError, "index_add_: cannot add ",
           dtype_name(source->dtype()), " source times ", alpha.as_double(), " into a ", dtype_name(self->dtype()),
           " tensor");
  Tensor values = alpha.as_double() == 1.0 ? source : binary(BinaryOp::Mul, source, alpha);
  index_put_tensors_(self, dim_index(d, index), values, true, "index_add_");
}

}  // namespace

Tensor gather(const Tensor& input_in, int64_t dim, const Tensor& index_in) {
  Tensor input = as_1d(input_in), index = as_1d(int64_index(index_in, "gather"));
  const int64_t d = wrap_dim(dim, input->dim(), "gather");
  check_index_fits(index, input, d, false, "gather", "input");
  Tensor out = TensorImpl::empty(index->sizes(), input->dtype(), common_device("gather", {&input, &index}));
  index = checked_index(index, input->size(d), d, "gather");
  const cpu::DimIndexShape shape{index->sizes(), d, {out->strides(), index->strides(), input->strides()}};
  if (!out->device().is_cpu()) {
    cuda::gather(moved_as(input->dtype()), index->sizes(), device_operand(out, index->sizes()),
                 device_operand(index, index->sizes()), addressed_operand(input, d), input->stride(d));
  } else CR_DISPATCH_ALL(moved_as(input->dtype()), "gather", [&] {
    cpu::gather_kernel(out->data<scalar_t>(), index->data<int64_t>(), input->data<scalar_t>(), shape);
  });
  if (index_in->dim() == 0) out = reshape(out, {});
  if (needs_grad({&input_in})) {
    const TensorMeta input_meta(input_in);
    const SavedTensor saved_index(index_in, false);
    record("GatherBackward0", {input_in}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      const Tensor& g = grads[0];
      return {scatter_add(zeros(input_meta.sizes, g->dtype(), g->device()), dim, saved_index.unpack(n), g)};
    });
  }
  return out;
}

void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  if (in_place_needs_grad(self, {&src}, "scatter_")) return rebase_history(self, scatter(self, dim, index, src));
  scatter_impl(self, dim, index, src, false, "scatter_");
}

void scatter_(const Tensor& self, int64_t dim, const Tensor& index, const Scalar& value) {
  if (in_place_needs_grad(self, {}, "scatter_")) return rebase_history(self, scatter(self, dim, index, value));
  Tensor src = expand(scalar_tensor(value, self->dtype(), self->device(), "scatter_"), index->sizes());
  scatter_impl(self, dim, index, src, false, "scatter_");
}

void scatter_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  if (in_place_needs_grad(self, {&src}, "scatter_add_")) return rebase_history(self, scatter_add(self, dim, index, src));
  scatter_impl(self, dim, index, src, true, "scatter_add_");
}

namespace {

// scatter and scatter_add out of place: a copy of input written by scatter_impl, recorded as
// `name`. self's gradient is g (accumulate) or g with the written positions zeroed; src's is g
// read back at the written positions.
Tensor scatter_recorded(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src_in, bool accumulate,
                        const char* name) {
  Tensor src = needs_grad({&src_in}) ? read_part(src_in, index) : src_in;
  Tensor out;
  {
    GradModeGuard no_record(false);  // out's history is the node below
    out = clone(input);
    scatter_impl(out, dim, index, src, accumulate, accumulate ? "scatter_add" : "scatter");
  }
  if (needs_grad({&input, &src})) {
    const SavedTensor saved_index(index, false);
    record(name, {input, src}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      const Tensor& g = grads[0];
      Tensor idx = saved_index.unpack(n);
      Tensor self_grad = !n.needs_input_grad(0) ? nullptr : accumulate ? g : scattered_out(g, dim, idx);
      return {self_grad, n.needs_input_grad(1) ? gather(g, dim, idx) : nullptr};
    });
  }
  return out;
}

}  // namespace

Tensor scatter(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_recorded(input, dim, index, src, false, "ScatterBackward0");
}

Tensor scatter(const Tensor& input, int64_t dim, const Tensor& index, const Scalar& value) {
  Tensor out;
  {
    GradModeGuard no_record(false);  // out's history is the node below
    out = clone(input);
    scatter_(out, dim, index, value);
  }
  if (needs_grad({&input})) {
    const SavedTensor saved_index(index, false);
    record("ScatterBackward1", {input}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      return {scattered_out(grads[0], dim, saved_index.unpack(n))};
    });
  }
  return out;
}

Tensor scatter_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_recorded(input, dim, index, src, true, "ScatterAddBackward0");
}

Tensor index_select(const Tensor& input_in, int64_t dim, const Tensor& index_in) {
  Tensor input = as_1d(input_in);
  const int64_t d = wrap_dim(dim, input->dim(), "index_select");
  const Tensor index = checked_select_index(input, d, index_in, "index_select");
  Tensor out = index_tensors(input, dim_index(d, index), "index_select");
  if (input_in->dim() > 0) return out;
  // A 0-d input takes exactly one index and gives a 0-d result, as in PyTorch.
  CR_CHECK(index->numel() == 1, RuntimeError, "index_select(): index to a 0-d tensor can have only 1 value, got ",
           index->numel(), " value(s)");
  return reshape(out, {});
}

void index_add_(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  if (in_place_needs_grad(self, {&source}, "index_add_")) {
    return rebase_history(self, index_add(self, dim, index, source, alpha));
  }
  add_at_index(self, dim, index, source, alpha);
}

Tensor index_add(const Tensor& input, int64_t dim, const Tensor& index, const Tensor& source, const Scalar& alpha) {
  Tensor out;
  {
    GradModeGuard no_record(false);  // out's history is the node below
    out = clone(input);
    add_at_index(out, dim, index, source, alpha);
  }
  if (needs_grad({&input, &source})) {  // self: g; source: alpha * g at the indexed slices
    const TensorMeta source_meta(source);
    const SavedTensor saved_index(index, false);
    record("IndexAddBackward0", {input, source}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      const Tensor& g = grads[0];
      Tensor source_grad;
      if (n.needs_input_grad(1)) {
        Tensor picked = index_select(g, dim, saved_index.unpack(n));
        source_grad = grad_for(alpha.as_double() == 1.0 ? picked : binary(BinaryOp::Mul, picked, alpha), source_meta);
      }
      return {n.needs_input_grad(0) ? g : nullptr, source_grad};
    });
  }
  return out;
}

Tensor take(const Tensor& input, const Tensor& index) {
  CR_CHECK(index->dtype() == DType::Int64, RuntimeError, "take(): expected an int64 (long) tensor for index, got ",
           dtype_name(index->dtype()));
  return index_tensors(reshape(input, {-1}), {index}, "take");
}

Tensor take_along_dim(const Tensor& input, const Tensor& indices, std::optional<int64_t> dim) {
  CR_CHECK(indices->dtype() == DType::Int64, RuntimeError,
           "torch.take_along_dim(): dtype of indices should be Long but got ", dtype_name(indices->dtype()));
  if (!dim) return gather(reshape(input, {-1}), 0, reshape(indices, {-1}));
  CR_CHECK(input->dim() == indices->dim(), RuntimeError, "torch.take_along_dim(): input and indices should have the ",
           "same number of dimensions, but got ", input->dim(), " dimensions for input, and ", indices->dim(),
           " dimensions for indices");
  const int64_t d = wrap_dim(*dim, std::max<int64_t>(input->dim(), 1), "take_along_dim");
  if (input->dim() == 0) return gather(input, d, indices);
  Shape input_sizes = input->sizes();
  input_sizes[d] = indices->size(d);
  Shape index_sizes = broadcast_shapes(input_sizes, indices->sizes(), "take_along_dim");
  input_sizes = index_sizes;
  input_sizes[d] = input->size(d);
  return gather(expand(input, input_sizes), d, expand(indices, index_sizes));
}

}  // namespace cr
