// getitem/setitem: basic indices (ints, slices, None, Ellipsis) become views through select, slice
// and unsqueeze; index tensors and bool masks then go through advanced indexing, whose kernels
// (cpu/index.h) copy rows of the kept trailing dims between the offset tables built here.
// Autograd: index_tensors and masked_fill record their nodes (formulas in ops/index_backward.cpp);
// in-place writes into a tensor in a graph run the recorded out-of-place op and take its place.
#include "ops/index.h"

#include <algorithm>

#include "autograd/record.h"
#include "cpu/index.h"
#include "cuda/elementwise.h"
#include "cuda/index.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/deferred_checks.h"
#include "ops/device_tables.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"
#include "ops/float32_staging.h"
#include "ops/index_backward.h"
#include "ops/reduce.h"
#include "ops/view.h"

namespace cr {

TensorIndex TensorIndex::make_int(int64_t i) {
  TensorIndex t;
  t.kind = Kind::Int;
  t.integer = i;
  return t;
}
TensorIndex TensorIndex::make_slice(std::optional<int64_t> start, std::optional<int64_t> stop, int64_t step) {
  TensorIndex t;
  t.kind = Kind::Slice;
  t.start = start;
  t.stop = stop;
  t.step = step;
  return t;
}
TensorIndex TensorIndex::make_none() { return TensorIndex{}; }
TensorIndex TensorIndex::make_ellipsis() {
  TensorIndex t;
  t.kind = Kind::Ellipsis;
  return t;
}
TensorIndex TensorIndex::make_bool(bool b) {
  TensorIndex t;
  t.kind = Kind::Bool;
  t.boolean = b;
  return t;
}
TensorIndex TensorIndex::make_tensor(Tensor tensor) {
  TensorIndex t;
  t.kind = Kind::Tensor;
  t.tensor = std::move(tensor);
  return t;
}

namespace {

std::string prefix(const char* op) { return (op && *op) ? std::string(op) + ": " : std::string(); }

// Source offsets of every position of (sizes, strides), in row-major order.
std::vector<int64_t> offset_table(const Shape& sizes, const Shape& strides) {
  std::vector<int64_t> table(static_cast<size_t>(shape_numel(sizes)));
  int64_t idx[kMaxDims] = {0};
  const int nd = static_cast<int>(sizes.size());
  int64_t off = 0;
  for (auto& entry : table) {
    entry = off;
    for (int d = nd - 1; d >= 0; --d) {  // odometer step
      off += strides[d];
      if (++idx[d] < sizes[d]) break;
      off -= strides[d] * sizes[d];
      idx[d] = 0;
    }
  }
  return table;
}

// The geometry of self[indices] for advanced indexing: the result is (pre..., B..., post...),
// B the broadcast shape of the index tensors; pre holds the dims before the indexed ones when
// those are adjacent (NumPy's rule), post every other kept dim. Element (p, b, q, j) of the
// result lives at self + pre[p] + index[b] + post[q] + j * inner_stride.
// On a GPU with index tensors there, the index offsets stay there (device_index, checked on the
// GPU: ops/deferred_checks.h) instead of being read into `index`.
struct AdvancedPlan {
  Shape out_sizes;
  std::vector<int64_t> pre, index, post;
  Tensor device_index;  // (B,) int64 on self's device, or null
  int64_t inner_size = 1, inner_stride = 0;
  int64_t index_count() const { return device_index ? device_index->numel() : static_cast<int64_t>(index.size()); }
  int64_t numel() const { return static_cast<int64_t>(pre.size() * post.size()) * index_count() * inner_size; }
};

// The offsets sum over dims d of index_d * stride_d (wrapped), computed where self is, from index
// tensors broadcast to b; each dim's values are checked there, the error deferred to the next wait
// for the GPU, and a bad index reads element 0 meanwhile.
Tensor device_offsets(const Tensor& self, const std::vector<Tensor>& indices, const std::vector<int64_t>& indexed,
                      const Shape& b, const char* op) {
  GradModeGuard no_record(false);
  Tensor offsets = zeros(b, DType::Int64, self->device());
  for (int64_t d : indexed) {
    const Tensor v = to_device(indices[d], self->device());
    const int64_t size = self->size(d);
    const Tensor bad = defer_range_check(v, -size, size, raise_error<IndexError>, prefix(op) + "index ",
                                         str_cat(" is out of bounds for dim ", d, " with size ", size));
    const Tensor wrapped = where(binary(BinaryOp::Lt, v, Scalar(int64_t{0})), binary(BinaryOp::Add, v, Scalar(size)), v);
    offsets = binary(BinaryOp::Add, offsets,
                     binary(BinaryOp::Mul, where(bad, Scalar(int64_t{0}), wrapped), Scalar(self->stride(d))));
  }
  return contiguous(reshape(offsets, {shape_numel(b)}));
}

bool broadcasts_to(const Shape& from, const Shape& to) {
  if (from.size() > to.size()) return false;
  const size_t lead = to.size() - from.size();
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] != 1 && from[i] != to[lead + i]) return false;
  }
  return true;
}

Shape broadcast_indices(const std::vector<Tensor>& indices, const char* op) {
  Shape b;
  bool first = true;
  for (const Tensor& t : indices) {
    if (!t) continue;
    if (first) {
      b = t->sizes();
      first = false;
      continue;
    }
    try {
      b = broadcast_shapes(b, t->sizes(), "index");
    } catch (const ValueError&) {
      std::string shapes;
      for (const Tensor& u : indices) {
        if (u) shapes += (shapes.empty() ? "" : ", ") + str_cat(u->sizes());
      }
      CR_FAIL(IndexError, prefix(op), "shape mismatch: indexing tensors could not be broadcast together with shapes ",
              shapes);
    }
  }
  return b;
}

// An index tensor of int64 or int32 (which PyTorch also takes), as int64 for the plan.
Tensor int64_indices(const Tensor& t, const char* op) {
  CR_CHECK(t->dtype() == DType::Int64 || t->dtype() == DType::Int32, IndexError, prefix(op),
           "tensors used as indices must be long, int, byte or bool tensors, got ", dtype_name(t->dtype()));
  return t->dtype() == DType::Int32 ? to_dtype(t, DType::Int64) : t;
}

AdvancedPlan make_advanced_plan(const Tensor& self, const std::vector<Tensor>& given_indices, const char* op) {
  const int64_t nd = self->dim();
  CR_CHECK(static_cast<int64_t>(given_indices.size()) <= nd, IndexError, prefix(op),
           "too many indices for tensor of dimension ", nd, " (got ", given_indices.size(), ")");
  std::vector<Tensor> indices(given_indices.size());
  std::vector<int64_t> indexed;
  for (size_t d = 0; d < indices.size(); ++d) {
    if (!given_indices[d]) continue;
    indices[d] = int64_indices(given_indices[d], op);
    CR_CHECK(indices[d]->device().is_cpu() || indices[d]->device() == self->device(), RuntimeError, prefix(op),
             "indices should be either on cpu or on the same device as the indexed tensor (", self->device(),
             "), got indices on ", indices[d]->device());
    indexed.push_back(static_cast<int64_t>(d));
  }
  CR_CHECK(!indexed.empty(), ValueError, prefix(op), "expected at least one index tensor");
  const bool adjacent = indexed.back() - indexed.front() + 1 == static_cast<int64_t>(indexed.size());
  const int64_t first = adjacent ? indexed.front() : 0;
  Shape b = broadcast_indices(indices, op);

  AdvancedPlan plan;
  Shape pre_sizes, pre_strides, post_sizes, post_strides;
  for (int64_t d = 0; d < nd; ++d) {
    bool is_indexed = d < static_cast<int64_t>(indices.size()) && indices[d];
    if (is_indexed) continue;
    if (d < first) {
      pre_sizes.push_back(self->size(d));
      pre_strides.push_back(self->stride(d));
    } else {
      post_sizes.push_back(self->size(d));
      post_strides.push_back(self->stride(d));
    }
  }
  for (int64_t s : pre_sizes) plan.out_sizes.push_back(s);
  for (int64_t s : b) plan.out_sizes.push_back(s);
  for (int64_t s : post_sizes) plan.out_sizes.push_back(s);

  // Offsets of the indexed positions, validating (and wrapping) every index value: on the GPU when
  // the indices are there, else on the host.
  const int64_t bn = shape_numel(b);
  const bool on_device = std::any_of(indexed.begin(), indexed.end(), [&](int64_t d) {
    return !indices[d]->device().is_cpu();
  });
  if (on_device) {
    plan.device_index = device_offsets(self, indices, indexed, b, op);
  } else {
    plan.index.assign(static_cast<size_t>(bn), 0);
    for (int64_t d : indexed) {
      Tensor values = contiguous(expand(indices[d], b));
      const int64_t* v = values->data<int64_t>();
      const int64_t size = self->size(d), stride = self->stride(d);
      for (int64_t i = 0; i < bn; ++i) {
        int64_t x = v[i];
        CR_CHECK(x >= -size && x < size, IndexError, prefix(op), "index ", x, " is out of bounds for dim ", d,
                 " with size ", size);
        plan.index[i] += (x < 0 ? x + size : x) * stride;
      }
    }
  }

  // The last kept dim (merged with those before it while memory allows) is copied as a row.
  while (!post_sizes.empty()) {
    int64_t s = post_sizes.back(), st = post_strides.back();
    if (plan.inner_size > 1 && st != plan.inner_stride * plan.inner_size) break;
    if (plan.inner_size == 1) plan.inner_stride = st;
    plan.inner_size *= s;
    post_sizes.pop_back();
    post_strides.pop_back();
    if (s == 0) break;
  }
  plan.pre = offset_table(pre_sizes, pre_strides);
  plan.post = offset_table(post_sizes, post_strides);
  return plan;
}

// The plan's offset tables as the kernels of cpu/index.h read them.
AdvancedOffsets offsets_of(const AdvancedPlan& plan) {
  return {plan.pre.data(),  plan.index.data(),  plan.post.data(),  static_cast<int64_t>(plan.pre.size()),
          plan.index_count(), static_cast<int64_t>(plan.post.size()), plan.inner_size, plan.inner_stride};
}

// The plan's tables on a GPU, where its kernels read them, and the offsets that point there.
struct UploadedPlan {
  Tensor pre, index, post;
  AdvancedOffsets offsets;
};

UploadedPlan upload(const AdvancedPlan& plan, Device device) {
  UploadedPlan u{device_table(plan.pre, device),
                 plan.device_index ? plan.device_index : device_copy(plan.index, device),
                 device_table(plan.post, device), offsets_of(plan)};
  u.offsets.pre = static_cast<const int64_t*>(u.pre->device_data());
  u.offsets.index = static_cast<const int64_t*>(u.index->device_data());
  u.offsets.post = static_cast<const int64_t*>(u.post->device_data());
  return u;
}

}  // namespace

void check_no_internal_overlap(const Tensor& self, const char* op) {
  for (int64_t d = 0; d < self->dim(); ++d) {
    CR_CHECK(self->stride(d) != 0 || self->size(d) <= 1, RuntimeError, prefix(op),
             "the tensor written to is expanded (dim ", d, " has stride 0), so several of its elements share one "
             "memory location; clone() it first");
  }
}

Tensor index_tensors(const Tensor& self, const std::vector<Tensor>& indices, const char* op) {
  AdvancedPlan plan = make_advanced_plan(self, indices, op);
  Tensor out = TensorImpl::empty(plan.out_sizes, self->dtype(), self->device());
  record_index(self, indices, out, op);
  if (plan.numel() == 0) return out;
  if (!out->device().is_cpu()) {  // the family's dispatch point (here and in index_put_tensors_)
    cuda::index_read(moved_as(self->dtype()), self->device_data(), upload(plan, out->device()).offsets,
                     out->device_data());
    return out;
  }
  const AdvancedOffsets offsets = offsets_of(plan);
  CR_DISPATCH_ALL(moved_as(self->dtype()), "index",
                  [&] { cpu::index_read(self->data<scalar_t>(), offsets, out->data<scalar_t>()); });
  return out;
}

void index_put_tensors_(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values,
                        bool accumulate, const char* op) {
  if (in_place_needs_grad(self, {&values}, *op ? op : "index_put_")) {
    return rebase_history(self, index_put(self, indices, values, accumulate));
  }
  check_no_internal_overlap(self, op);
  AdvancedPlan plan = make_advanced_plan(self, indices, op);
  CR_CHECK(broadcasts_to(values->sizes(), plan.out_sizes), ValueError, prefix(op),
           "shape mismatch: value tensor of shape ", values->sizes(), " cannot be broadcast to indexing result of shape ",
           plan.out_sizes);
  CR_CHECK(!accumulate || self->dtype() != DType::Bool, TypeError, prefix(op), "cannot accumulate into a bool tensor");
  common_device(*op ? op : "index_put_", {&self, &values});
  if (accumulate && is_reduced_float(self->dtype())) {  // sums in float32, each element rounded once
    Tensor self32 = float32_standin(self);
    index_put_tensors_(self32, indices, float32_standin(values), accumulate, op);
    write_back(self, self32);
    return self->bump_version();
  }
  Tensor v = to_device(to_dtype(values, self->dtype()), self->device());  // a 0-d CPU value joins a GPU self
  if (may_alias(v, self)) v = clone(v);
  const bool scalar = v->numel() == 1;
  if (!scalar) v = contiguous(expand(v, plan.out_sizes));
  self->bump_version();
  if (plan.numel() == 0) return;
  if (!self->device().is_cpu()) {
    return cuda::index_write(moved_as(self->dtype()), self->device_data(), upload(plan, self->device()).offsets,
                             v->device_data(), scalar, accumulate);
  }
  const AdvancedOffsets offsets = offsets_of(plan);
  CR_DISPATCH_ALL(moved_as(self->dtype()), "index_put_", [&] {
    cpu::index_write(self->data<scalar_t>(), offsets, v->data<scalar_t>(), scalar, accumulate);
  });
}

namespace {

// The basic part of an index expression applied as views, and the index tensors left for advanced
// indexing (one per dim of the view; null where that dim is kept whole, empty when none).
struct BasicResult {
  Tensor view;
  std::vector<Tensor> tensors;
};

bool is_int_scalar_tensor(const Tensor& t) {
  return t->dim() == 0 && (t->dtype() == DType::Int64 || t->dtype() == DType::Int32);
}

// How many dims of self an index entry consumes.
int64_t dims_consumed(const TensorIndex& idx) {
  switch (idx.kind) {
    case TensorIndex::Kind::Int:
    case TensorIndex::Kind::Slice:
      return 1;
    case TensorIndex::Kind::Tensor:
      return idx.tensor->dtype() == DType::Bool ? idx.tensor->dim() : 1;
    default:
      return 0;
  }
}

// t with dims [dim, dim + k) merged into one, when memory allows a view; nullopt otherwise.
std::optional<Tensor> merge_dims(const Tensor& t, int64_t dim, int64_t k) {
  if (k == 1) return t;
  int64_t size = 1, stride = 1;
  bool first = true;
  for (int64_t d = dim + k - 1; d >= dim; --d) {  // innermost first
    if (t->size(d) == 1) continue;
    if (t->size(d) == 0) return std::nullopt;
    if (!first && t->stride(d) != stride * size) return std::nullopt;
    if (first) stride = t->stride(d);
    first = false;
    size *= t->size(d);
  }
  Shape sizes;
  for (int64_t d = 0; d < t->dim(); ++d) {
    if (d > dim && d < dim + k) continue;
    sizes.push_back(d == dim ? size : t->size(d));
  }
  return view(t, sizes);  // a recorded view, so the gradient flows back through the merge
}

BasicResult apply_basic(const Tensor& self, const std::vector<TensorIndex>& indices) {
  int64_t consumed = 0, ellipses = 0;
  for (const TensorIndex& idx : indices) {
    consumed += dims_consumed(idx);
    ellipses += idx.kind == TensorIndex::Kind::Ellipsis;
  }
  CR_CHECK(ellipses <= 1, IndexError, "an index can only have a single ellipsis ('...')");
  CR_CHECK(consumed <= self->dim(), IndexError, "too many indices for tensor of dimension ", self->dim(), " (got ",
           consumed, ")");
  BasicResult r{self, {}};
  int64_t dim = 0;       // the dim of r.view the next entry applies to
  int64_t self_dim = 0;  // the dim of self it came from, for error messages
  auto select_int = [&](int64_t i) {
    const int64_t size = r.view->size(dim);
    CR_CHECK(i >= -size && i < size, IndexError, "index ", i, " is out of bounds for dim ", self_dim, " with size ", size);
    r.view = select(r.view, dim, i);
  };
  auto record = [&](Tensor t) {
    if (static_cast<int64_t>(r.tensors.size()) <= dim) r.tensors.resize(dim + 1);
    r.tensors[dim++] = std::move(t);
  };
  auto bool_index = [&](bool value) {  // a new dim of size 1, kept (index [0]) or emptied (index [])
    r.view = unsqueeze(r.view, dim);
    Tensor t = zeros({value ? 1 : 0}, DType::Int64, r.view->device());
    record(t);
  };
  for (const TensorIndex& idx : indices) {
    switch (idx.kind) {
      case TensorIndex::Kind::Int:
        select_int(idx.integer);
        break;
      case TensorIndex::Kind::Slice:
        CR_CHECK(idx.step > 0, ValueError, "step must be greater than zero, got ", idx.step,
                 " (negative slice steps are not supported)");
        r.view = slice(r.view, dim, idx.start, idx.stop, idx.step);
        ++dim;
        break;
      case TensorIndex::Kind::None:
        r.view = unsqueeze(r.view, dim);
        ++dim;
        break;
      case TensorIndex::Kind::Ellipsis:
        dim += self->dim() - consumed;
        self_dim += self->dim() - consumed;
        break;
      case TensorIndex::Kind::Bool:
        bool_index(idx.boolean);
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = idx.tensor;
        if (is_int_scalar_tensor(t)) {  // a 0-d integer tensor acts as an int (read on the host), as in PyTorch
          select_int(item(t).i);
        } else if (t->dtype() == DType::Bool && t->dim() == 0) {
          bool_index(item(t).i != 0);
        } else if (t->dtype() == DType::Bool) {
          for (int64_t i = 0; i < t->dim(); ++i) {
            CR_CHECK(t->size(i) == r.view->size(dim + i), IndexError, "The shape of the mask ", t->sizes(),
                     " at index ", i, " does not match the shape of the indexed tensor ", r.view->sizes(),
                     " at index ", dim + i);
          }
          if (auto merged = merge_dims(r.view, dim, t->dim())) {  // one flat index over the merged dims
            r.view = *merged;
            record(flat_nonzero(t));
          } else {
            for (Tensor& coord : nonzero_tuple(t)) record(std::move(coord));
          }
        } else {
          record(int64_indices(t, ""));
        }
        break;
      }
    }
    self_dim += dims_consumed(idx);
  }
  return r;
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  BasicResult r = apply_basic(self, indices);
  if (r.tensors.empty()) return r.view;
  return index_tensors(r.view, r.tensors, "");
}

void index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value, bool accumulate) {
  if (in_place_needs_grad(self, {&value}, "index_put_")) return index_put_in_graph_(self, indices, value, accumulate);
  BasicResult r = apply_basic(self, indices);
  if (!r.tensors.empty()) {
    index_put_tensors_(r.view, r.tensors, value, accumulate, "");
    return;
  }
  CR_CHECK(broadcasts_to(value->sizes(), r.view->sizes()), ValueError, "shape mismatch: value tensor of shape ",
           value->sizes(), " cannot be broadcast to indexing result of shape ", r.view->sizes());
  if (accumulate) binary_(BinaryOp::Add, r.view, value);
  else copy_(r.view, value);
}

void index_put_(const Tensor& self, const std::vector<TensorIndex>& indices, const Scalar& value, bool accumulate) {
  index_put_(self, indices, scalar_tensor(value, self->dtype(), self->device(), "index_put_"), accumulate);
}

Tensor nonzero(const Tensor& self) {
  // On a GPU: counted on the host, as the result's size must be known (PyTorch waits here too).
  if (!self->device().is_cpu()) return to_device(nonzero(to_host(self)), self->device());
  Tensor mask = contiguous(to_dtype(self, DType::Bool));
  const bool* m = mask->data<bool>();
  const int64_t n = mask->numel(), nd = self->dim();
  const int64_t count = std::count(m, m + n, true);
  if (nd == 0) return zeros({count, 0}, DType::Int64, self->device());
  // The spare last row takes the writes after the final true element.
  Tensor rows = TensorImpl::empty({count + 1, nd}, DType::Int64, self->device());
  cpu::nonzero_rows(m, self->sizes().data(), nd, rows->data<int64_t>());
  return narrow(rows, 0, 0, count);
}

// Row-major positions of the true elements of a bool tensor, as a 1-d int64 tensor.
Tensor flat_nonzero(const Tensor& mask) {
  if (!mask->device().is_cpu()) return to_device(flat_nonzero(to_host(mask)), mask->device());
  Tensor c = contiguous(mask);
  const bool* m = c->data<bool>();
  const int64_t n = c->numel();
  const int64_t count = std::count(m, m + n, true);
  Tensor out = TensorImpl::empty({count + 1}, DType::Int64, mask->device());  // spare slot, as in nonzero
  cpu::nonzero_flat(m, n, out->data<int64_t>());
  return narrow(out, 0, 0, count);
}

std::vector<Tensor> nonzero_tuple(const Tensor& self) {
  Tensor nz = nonzero(self->dim() == 0 ? reshape(self, {1}) : self);
  std::vector<Tensor> out;
  for (int64_t d = 0; d < nz->size(1); ++d) out.push_back(contiguous(select(nz, 1, d)));
  return out;
}

namespace {

void check_mask_dtype(const Tensor& mask, const char* op) {
  CR_CHECK(mask->dtype() == DType::Bool, DTypeError, op, ": mask must be a bool tensor, got ", dtype_name(mask->dtype()));
}

// self = value where mask (broadcasting to self), without autograd.
void fill_masked(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_no_internal_overlap(self, "masked_fill_");
  Tensor m = may_alias(mask, self) ? clone(mask) : mask;
  if (is_reduced_float(self->dtype())) {
    check_fits(value, self->dtype(), "masked_fill_");
    Tensor self32 = float32_standin(self);
    fill_masked(self32, m, value);
    write_back(self, self32);
    return self->bump_version();
  }
  if (!self->device().is_cpu()) {  // where(m, value, self) into self: each element is read before it is written
    const Shape& shape = self->sizes();
    const Tensor v = scalar_tensor(value, self->dtype(), self->device(), "masked_fill_");
    cuda::where_kernel(shape, device_operand(self, shape), device_operand(to_device(m, self->device()), shape),
                       device_operand(v, shape), device_operand(self, shape), self->dtype());
    return self->bump_version();
  }
  CR_DISPATCH_ALL(self->dtype(), "masked_fill_", [&] {
    const scalar_t v = value.to<scalar_t>("masked_fill_");
    binary_kernel<scalar_t, scalar_t, bool>(self, self, m, [v](scalar_t x, bool fill) { return fill ? v : x; });
  });
  self->bump_version();
}

}  // namespace

void masked_fill_(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_mask_dtype(mask, "masked_fill_");
  CR_CHECK(broadcasts_to(mask->sizes(), self->sizes()), ValueError,
           "masked_fill_: mask of shape ", mask->sizes(), " does not broadcast to self of shape ", self->sizes());
  if (in_place_needs_grad(self, {}, "masked_fill_")) return rebase_history(self, masked_fill(self, mask, value));
  fill_masked(self, mask, value);
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Scalar& value) {
  check_mask_dtype(mask, "masked_fill");
  Shape shape = broadcast_shapes(self->sizes(), mask->sizes(), "masked_fill");
  Tensor out = TensorImpl::empty(shape, self->dtype(), self->device());
  {
    GradModeGuard no_record(false);  // out's history is the node below
    copy_(out, self);
    fill_masked(out, mask, value);
  }
  record_masked_fill(self, mask, out);
  return out;
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  check_mask_dtype(mask, "masked_select");
  Shape shape = broadcast_shapes(self->sizes(), mask->sizes(), "masked_select");
  Tensor m = expand(mask, shape), s = expand(self, shape);
  if (shape.empty()) return index_tensors(reshape(s, {1}), nonzero_tuple(m), "masked_select");
  return index(s, {TensorIndex::make_tensor(m)});
}

}  // namespace cr
