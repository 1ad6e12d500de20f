// View ops: each computes new sizes/strides/offset and returns a tensor sharing the storage.
#include "ops/view.h"

#include <numeric>

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"

namespace cr {

Shape infer_size(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1;
  int infer_at = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      CR_CHECK(infer_at < 0, ValueError, op, ": only one dimension can be -1, got shape ", shape);
      infer_at = static_cast<int>(i);
    } else {
      CR_CHECK(shape[i] >= 0, ValueError, op, ": invalid size ", shape[i], " in shape ", shape);
      known = checked_mul(known, shape[i], op);
    }
  }
  if (infer_at >= 0) {
    CR_CHECK(known != 0 && numel % known == 0, ValueError, op, ": shape ", shape,
             " is invalid for a tensor of ", numel, " elements");
    out[infer_at] = numel / known;
  }
  CR_CHECK(shape_numel(out) == numel, ValueError, op, ": shape ", shape, " is invalid for a tensor of ",
           numel, " elements");
  return out;
}

namespace {

// Returns `out` (made from t), recording `backward` (gradient of out -> gradient of t) when t needs grad.
Tensor with_backward(const Tensor& t, Tensor out, const char* name, std::function<Tensor(const Tensor&)> backward) {
  if (needs_grad({&t})) {
    record(name, {t}, {out}, [backward](const TensorList& g, const Node&) -> TensorList { return {backward(g[0])}; });
  }
  return out;
}

// The view of `whole` that slice(whole, dim, start, ..., step) of `length` elements would give.
Tensor slice_view(const Tensor& whole, int64_t dim, int64_t start, int64_t length, int64_t step) {
  Shape sizes = whole->sizes(), strides = whole->strides();
  sizes[dim] = length;
  strides[dim] = checked_mul(strides[dim], step, "slice");  // as PyTorch, even where length <= 1
  return TensorImpl::view_of(whole, sizes, strides, whole->offset() + start * whole->stride(dim), "slice");
}

Tensor recorded_slice(const Tensor& t, int64_t dim, int64_t start, int64_t length, int64_t step);

// Backward of slice: the gradient g of the slice, placed in zeros of the input's shape. Recorded
// itself (its backward is the slice again, recorded too), so slicing supports double and triple
// backward (a Hessian-vector product by the double-vjp trick differentiates through both).
Tensor slice_backward(const Tensor& g, const Shape& in_sizes, int64_t dim, int64_t start, int64_t step) {
  Tensor out = zeros(in_sizes, g->dtype(), g->device());
  {
    GradModeGuard no_record(false);
    copy_(slice_view(out, dim, start, g->size(dim), step), g);
  }
  const int64_t length = g->size(dim);
  return with_backward(g, out, "SliceBackwardBackward0", [=](const Tensor& gg) {
    return contiguous(recorded_slice(gg, dim, start, length, step));
  });
}

// slice_view(t, ...) recording SliceBackward0 when t needs grad.
Tensor recorded_slice(const Tensor& t, int64_t dim, int64_t start, int64_t length, int64_t step) {
  const Shape in = t->sizes();
  return with_backward(t, slice_view(t, dim, start, length, step), "SliceBackward0",
                       [=](const Tensor& g) { return slice_backward(g, in, dim, start, step); });
}

Shape inverse_permutation(const Shape& dims) {
  Shape inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[dims[i]] = static_cast<int64_t>(i);
  return inverse;
}

// PyTorch's stride computation for view: succeeds when each group of new dims maps onto a run of
// old dims that is contiguous in memory.
std::optional<Shape> view_strides(const Shape& old_sizes, const Shape& old_strides, const Shape& new_sizes) {
  if (old_sizes.empty()) return contiguous_strides(new_sizes);
  if (shape_numel(old_sizes) == 0) {
    if (old_sizes == new_sizes) return old_strides;
    return contiguous_strides(new_sizes);
  }
  Shape new_strides(new_sizes.size());
  int64_t view_d = static_cast<int64_t>(new_sizes.size()) - 1;
  int64_t chunk_base_stride = old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 || (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_sizes[view_d] == 1)) {
        new_strides[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_sizes[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return new_strides;
}

}  // namespace

Tensor view(const Tensor& t, const Shape& shape) {
  Shape sizes = infer_size(shape, t->numel(), "view");
  auto strides = view_strides(t->sizes(), t->strides(), sizes);
  CR_CHECK(strides.has_value(), RuntimeError, "view: a tensor of shape ", t->sizes(), " and strides ",
           t->strides(), " cannot be viewed as shape ", sizes,
           " because its memory is not contiguous across the merged dims; use .reshape(...) instead");
  const Shape in = t->sizes();
  return with_backward(t, TensorImpl::view_of(t, sizes, *strides, t->offset(), "view"), "ViewBackward0",
                 [in](const Tensor& g) { return reshape(g, in); });
}

Tensor reshape(const Tensor& t, const Shape& shape) {
  Shape sizes = infer_size(shape, t->numel(), "reshape");
  if (view_strides(t->sizes(), t->strides(), sizes)) return view(t, sizes);
  return view(clone(t), sizes);
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  if (t->dim() == 0) return reshape(t, {1});
  int64_t s = wrap_dim(start_dim, t->dim(), "flatten"), e = wrap_dim(end_dim, t->dim(), "flatten");
  CR_CHECK(s <= e, ValueError, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim,
           " for a tensor with ", t->dim(), " dims");
  Shape sizes;
  for (int64_t d = 0; d < s; ++d) sizes.push_back(t->size(d));
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= t->size(d);
  sizes.push_back(merged);
  for (int64_t d = e + 1; d < t->dim(); ++d) sizes.push_back(t->size(d));
  return reshape(t, sizes);
}

Tensor unflatten(const Tensor& t, int64_t dim, const Shape& sizes) {
  int64_t d = wrap_dim(dim, t->dim(), "unflatten");
  Shape inner = infer_size(sizes, t->size(d), "unflatten");
  Shape shape;
  for (int64_t i = 0; i < t->dim(); ++i) {
    if (i == d) for (int64_t s : inner) shape.push_back(s);
    else shape.push_back(t->size(i));
  }
  return view(t, shape);
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  int64_t a = wrap_dim(dim0, t->dim(), "transpose"), b = wrap_dim(dim1, t->dim(), "transpose");
  Shape sizes = t->sizes(), strides = t->strides();
  if (t->dim() > 0) {
    std::swap(sizes[a], sizes[b]);
    std::swap(strides[a], strides[b]);
  }
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset(), "transpose"), "TransposeBackward0",
                 [a, b](const Tensor& g) { return transpose(g, a, b); });
}

Tensor permute(const Tensor& t, const Shape& dims) {
  CR_CHECK(static_cast<int64_t>(dims.size()) == t->dim(), ValueError, "permute: got ", dims.size(),
           " dims ", dims, " for a tensor with ", t->dim(), " dims");
  Shape sizes(dims.size()), strides(dims.size()), order(dims.size());
  bool seen[kMaxDims] = {false};
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], t->dim(), "permute");
    CR_CHECK(!seen[d], ValueError, "permute: dim ", d, " appears twice in ", dims);
    seen[d] = true;
    order[i] = d;
    sizes[i] = t->size(d);
    strides[i] = t->stride(d);
  }
  const Shape inverse = inverse_permutation(order);
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset(), "permute"), "PermuteBackward0",
                 [inverse](const Tensor& g) { return permute(g, inverse); });
}

Tensor t_(const Tensor& t) {
  CR_CHECK(t->dim() <= 2, ValueError, "t: expects a tensor with at most 2 dims, got shape ", t->sizes(),
           "; use transpose(dim0, dim1) or mT");
  return t->dim() < 2 ? view(t, t->sizes()) : transpose(t, 0, 1);
}

Tensor movedim(const Tensor& t, int64_t source, int64_t destination) {
  int64_t s = wrap_dim(source, t->dim(), "movedim"), d = wrap_dim(destination, t->dim(), "movedim");
  Shape order;
  for (int64_t i = 0; i < t->dim(); ++i) if (i != s) order.push_back(i);
  if (t->dim() > 0) order.insert(d, s);
  return permute(t, order);
}

Tensor squeeze(const Tensor& t, std::optional<int64_t> dim) {
  Shape sizes, strides;
  int64_t only = dim ? wrap_dim(*dim, t->dim(), "squeeze") : -1;
  for (int64_t i = 0; i < t->dim(); ++i) {
    bool drop = t->size(i) == 1 && (!dim || i == only);
    if (!drop) {
      sizes.push_back(t->size(i));
      strides.push_back(t->stride(i));
    }
  }
  const Shape in = t->sizes();
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset(), "squeeze"), "SqueezeBackward0",
                 [in](const Tensor& g) { return reshape(g, in); });
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t d = wrap_dim(dim, t->dim() + 1, "unsqueeze");
  Shape sizes = t->sizes(), strides = t->strides();
  int64_t stride = d < t->dim() ? t->size(d) * t->stride(d) : 1;
  sizes.insert(d, 1);
  strides.insert(d, stride);
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset(), "unsqueeze"), "UnsqueezeBackward0",
                 [d](const Tensor& g) { return squeeze(g, d); });
}

Tensor expand(const Tensor& t, const Shape& shape) {
  CR_CHECK(shape.size() >= t->sizes().size(), ValueError, "expand: cannot expand shape ", t->sizes(),
           " to ", shape, " with fewer dims");
  size_t lead = shape.size() - t->sizes().size();
  Shape sizes(shape.size()), strides(shape.size());
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      CR_CHECK(shape[i] >= 0, ValueError, "expand: size -1 is not allowed for a new leading dim in ", shape);
      sizes[i] = shape[i];
      strides[i] = 0;
      continue;
    }
    int64_t have = t->size(i - lead), want = shape[i] == -1 ? have : shape[i];
    CR_CHECK(have == want || have == 1, ValueError, "expand: the expanded size ", want,
             " must match the existing size ", have, " at non-singleton dim ", i, " (shape ", t->sizes(),
             " to ", shape, ")");
    sizes[i] = want;
    strides[i] = have == want ? t->stride(i - lead) : 0;
  }
  const Shape in = t->sizes();
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset(), "expand"), "ExpandBackward0",
                 [in](const Tensor& g) { return sum_to(g, in); });
}

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  CR_CHECK(t->dim() > 0, IndexError, "narrow: cannot narrow a 0-d tensor");
  int64_t d = wrap_dim(dim, t->dim(), "narrow");
  int64_t n = t->size(d);
  CR_CHECK(start >= -n && start <= n, IndexError, "narrow: start ", start, " is out of range for dim ", d,
           " of size ", n, " (expected a start in [", -n, ", ", n, "])");
  if (start < 0) start += n;
  CR_CHECK(length >= 0 && length <= n - start, RuntimeError, "narrow: start (", start, ") + length (", length,
           ") exceeds dim ", d, " of size ", n);
  return slice(t, d, start, start + length, 1);
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  CR_CHECK(t->dim() > 0, IndexError, "slice: cannot slice a 0-d tensor");
  int64_t d = wrap_dim(dim, t->dim(), "slice");
  CR_CHECK(step > 0, ValueError, "slice: step must be positive, got ", step);
  int64_t n = t->size(d);
  auto clamp_index = [n](std::optional<int64_t> v, int64_t dflt) {
    if (!v) return dflt;
    int64_t i = *v < 0 ? *v + n : *v;
    return std::min(std::max<int64_t>(i, 0), n);
  };
  int64_t b = clamp_index(start, 0), e = std::max(clamp_index(end, n), b);
  const int64_t length = e == b ? 0 : (e - b - 1) / step + 1;  // no overflow for any step
  return recorded_slice(t, d, b, length, step);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  CR_CHECK(t->dim() > 0, IndexError, "select: cannot index a 0-d tensor");
  int64_t d = wrap_dim(dim, t->dim(), "select");
  int64_t n = t->size(d);
  CR_CHECK(index >= -n && index < n, IndexError, "index ", index, " is out of bounds for dim ", d,
           " with size ", n);
  if (index < 0) index += n;
  Shape sizes = t->sizes(), strides = t->strides();
  sizes.erase(d);
  strides.erase(d);
  const Shape in = t->sizes();
  return with_backward(t, TensorImpl::view_of(t, sizes, strides, t->offset() + index * t->stride(d), "select"), "SelectBackward0",
                 [=](const Tensor& g) { return slice_backward(unsqueeze(g, d), in, d, index, 1); });
}

Tensor as_strided(const Tensor& t, const Shape& sizes, const Shape& strides, int64_t offset) {
  CR_CHECK(sizes.size() == strides.size(), ValueError, "as_strided: sizes ", sizes, " and strides ",
           strides, " differ in length");
  for (size_t i = 0; i < sizes.size(); ++i) {
    CR_CHECK(sizes[i] >= 0 && strides[i] >= 0, ValueError, "as_strided: negative size or stride in ",
             sizes, " / ", strides);
  }
  CR_CHECK(!needs_grad({&t}), RuntimeError, "as_strided: backward through as_strided is not supported; "
           "use view ops (view, transpose, narrow, ...) on tensors that require grad");
  return TensorImpl::view_of(t, sizes, strides, offset, "as_strided");
}

}  // namespace cr
