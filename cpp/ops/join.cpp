// cat copies each input into its narrow() slot of one output through copy_ (strides and dtype
// conversion handled there) and records CatBackward0, which hands each input its narrow() of the
// gradient; stack, hstack and vstack are views plus cat, and the splitting ops only compute views,
// so all of them differentiate through those.
#include "ops/join.h"

#include <algorithm>

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/view.h"

namespace cr {

namespace {

// PyTorch's legacy rule: a 1-d tensor with no elements takes no part in cat's shape checks.
bool skipped_in_cat(const Tensor& t) { return t->dim() == 1 && t->numel() == 0; }

// CatBackward0: input i gets the slice of the gradient it was copied to along dim d.
void record_cat(const std::vector<Tensor>& tensors, int64_t d, const Tensor& out) {
  if (!needs_grad(tensors)) return;
  std::vector<TensorMeta> metas;
  std::vector<int64_t> lengths;  // each input's extent along d in out; -1 for a skipped input
  for (const Tensor& t : tensors) {
    metas.emplace_back(t);
    lengths.push_back(skipped_in_cat(t) ? -1 : t->size(d));
  }
  record("CatBackward0", tensors, {out}, [=](const TensorList& grads, const Node& n) {
    const Tensor& g = grads[0];
    TensorList input_grads;
    int64_t offset = 0;
    for (size_t i = 0; i < metas.size(); ++i) {
      if (!n.needs_input_grad(i)) input_grads.push_back(nullptr);
      else if (lengths[i] < 0) input_grads.push_back(zeros({0}, metas[i].dtype, g->device()));
      else input_grads.push_back(grad_for(narrow(g, d, offset, lengths[i]), metas[i]));
      offset += std::max<int64_t>(lengths[i], 0);
    }
    return input_grads;
  });
}

}  // namespace

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  CR_CHECK(!tensors.empty(), ValueError, "cat: expected a non-empty list of tensors");
  DType dtype = tensors[0]->dtype();
  int64_t ref = -1;
  for (size_t i = 0; i < tensors.size(); ++i) {
    CR_CHECK(tensors[i] != nullptr, TypeError, "cat: tensor ", i, " is None");
    dtype = promote_types(dtype, tensors[i]->dtype());
    if (ref < 0 && !skipped_in_cat(tensors[i])) ref = static_cast<int64_t>(i);
  }
  if (ref < 0) return TensorImpl::empty({0}, dtype, tensors[0]->device());
  const Tensor& first = tensors[ref];
  CR_CHECK(first->dim() > 0, ValueError, "cat: zero-dimensional tensor ", ref, " cannot be concatenated");
  const int64_t d = wrap_dim(dim, first->dim(), "cat");
  Shape out_sizes = first->sizes();
  out_sizes[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped_in_cat(t)) continue;
    CR_CHECK(t->dim() == first->dim(), ValueError, "cat: tensor ", i, " has ", t->dim(), " dims (shape ", t->sizes(),
             ") but tensor ", ref, " has ", first->dim(), " (shape ", first->sizes(), ")");
    for (int64_t k = 0; k < t->dim(); ++k) {
      CR_CHECK(k == d || t->size(k) == first->size(k), ValueError, "cat: sizes must match except in dim ", d,
               ": tensor ", i, " has size ", t->size(k), " in dim ", k, " (shape ", t->sizes(), ") but tensor ", ref,
               " has size ", first->size(k), " (shape ", first->sizes(), ")");
    }
    out_sizes[d] = checked_add(out_sizes[d], t->size(d), "cat");
  }
  Tensor out = TensorImpl::empty(out_sizes, dtype, common_device("cat", tensors), "cat");
  {
    GradModeGuard no_record(false);  // out's history is CatBackward0
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
      if (skipped_in_cat(t)) continue;
      copy_(narrow(out, d, offset, t->size(d)), t);
      offset += t->size(d);
    }
  }
  record_cat(tensors, d, out);
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  CR_CHECK(!tensors.empty(), ValueError, "stack: expected a non-empty list of tensors");
  const int64_t d = wrap_dim(dim, tensors[0]->dim() + 1, "stack");
  std::vector<Tensor> rows;
  for (size_t i = 0; i < tensors.size(); ++i) {
    CR_CHECK(tensors[i]->sizes() == tensors[0]->sizes(), ValueError, "stack: expected each tensor to be equal size, got ",
             tensors[0]->sizes(), " at entry 0 and ", tensors[i]->sizes(), " at entry ", i);
    rows.push_back(unsqueeze(tensors[i], d));
  }
  return cat(rows, d);
}

Tensor hstack(const std::vector<Tensor>& tensors) {
  CR_CHECK(!tensors.empty(), ValueError, "hstack: expected a non-empty list of tensors");
  std::vector<Tensor> ts;
  for (const Tensor& t : tensors) ts.push_back(t->dim() == 0 ? reshape(t, {1}) : t);
  return cat(ts, ts[0]->dim() == 1 ? 0 : 1);
}

Tensor vstack(const std::vector<Tensor>& tensors) {
  std::vector<Tensor> ts;
  for (const Tensor& t : tensors) ts.push_back(t->dim() >= 2 ? t : reshape(t, {1, t->numel()}));
  return cat(ts, 0);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  CR_CHECK(t->dim() > 0, ValueError, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, t->dim(), "split");
  const int64_t n = t->size(d);
  CR_CHECK(split_size > 0 || (split_size == 0 && n == 0), ValueError, "split: split_size must be positive, got ",
           split_size, " (dim ", d, " has size ", n, ")");
  std::vector<Tensor> out;
  if (n == 0) {
    out.push_back(narrow(t, d, 0, 0));
    return out;
  }
  for (int64_t start = 0; start < n; start += split_size) {
    out.push_back(narrow(t, d, start, std::min(split_size, n - start)));
  }
  return out;
}

std::vector<Tensor> split_with_sizes(const Tensor& t, const std::vector<int64_t>& sizes, int64_t dim) {
  CR_CHECK(t->dim() > 0, ValueError, "split: cannot split a 0-d tensor");
  const int64_t d = wrap_dim(dim, t->dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    CR_CHECK(s >= 0, ValueError, "split: section sizes must be non-negative, got ", s);
    total = checked_add(total, s, "split");
  }
  CR_CHECK(total == t->size(d), ValueError, "split: section sizes add up to ", total, " but dim ", d, " has size ",
           t->size(d), " (shape ", t->sizes(), ")");
  std::vector<Tensor> out;
  int64_t start = 0;
  for (int64_t s : sizes) {
    out.push_back(narrow(t, d, start, s));
    start += s;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  CR_CHECK(chunks > 0, ValueError, "chunk: chunks must be positive, got ", chunks);
  CR_CHECK(t->dim() > 0, ValueError, "chunk: cannot chunk a 0-d tensor");
  const int64_t d = wrap_dim(dim, t->dim(), "chunk");
  const int64_t n = t->size(d);
  if (n == 0) {  // PyTorch returns `chunks` empty pieces here
    std::vector<Tensor> out;
    for (int64_t i = 0; i < chunks; ++i) out.push_back(narrow(t, d, 0, 0));
    return out;
  }
  return split(t, (n + chunks - 1) / chunks, d);
}

std::vector<Tensor> unbind(const Tensor& t, int64_t dim) {
  CR_CHECK(t->dim() > 0, ValueError, "unbind: cannot unbind a 0-d tensor");
  const int64_t d = wrap_dim(dim, t->dim(), "unbind");
  std::vector<Tensor> out;
  for (int64_t i = 0; i < t->size(d); ++i) out.push_back(select(t, d, i));
  return out;
}

}  // namespace cr
