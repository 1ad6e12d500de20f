// Backward formulas of advanced indexing: IndexBackward0 (getitem, index_select, take,
// masked_select all go through index_tensors), MaskedFillBackward0 and IndexPutBackward0 (index_put, and through it
// setitem and index_put_ on tensors in a graph). Each formula is the other op, so both
// differentiate again.
#include "ops/index_backward.h"

#include <cstring>

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/view.h"

namespace cr {

namespace {

// Index tensors saved for backward (null entries stay null), so that an in-place change of an
// index between forward and backward raises instead of giving a wrong gradient.
std::vector<SavedTensor> save_indices(const std::vector<Tensor>& indices) {
  std::vector<SavedTensor> saved;
  for (const Tensor& t : indices) saved.push_back(t ? SavedTensor(t, false) : SavedTensor());
  return saved;
}

std::vector<Tensor> unpack_indices(const std::vector<SavedTensor>& saved, const Node& node) {
  std::vector<Tensor> indices;
  for (const SavedTensor& s : saved) indices.push_back(s.defined() ? s.unpack(node) : nullptr);
  return indices;
}

const char* index_node_name(const char* op) {
  if (std::strcmp(op, "index_select") == 0) return "IndexSelectBackward0";
  if (std::strcmp(op, "take") == 0) return "TakeBackward0";
  return "IndexBackward0";
}

}  // namespace

Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor out;
  {
    GradModeGuard no_record(false);  // out's history is the node below
    out = clone(self);
    index_put_tensors_(out, indices, values, accumulate, "index_put");
  }
  if (needs_grad({&self, &values})) {
    const TensorMeta values_meta(values);
    std::vector<SavedTensor> saved = save_indices(indices);
    record("IndexPutBackward0", {self, values}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      const Tensor& g = grads[0];
      std::vector<Tensor> idx = unpack_indices(saved, n);
      Tensor self_grad, values_grad;
      if (n.needs_input_grad(0)) {  // overwritten positions lose their gradient; added-to ones keep it
        self_grad = accumulate ? g : index_put(g, idx, zeros({}, g->dtype(), g->device()), false);
      }
      if (n.needs_input_grad(1)) values_grad = grad_for(index_tensors(g, idx), values_meta);
      return {self_grad, values_grad};
    });
  }
  return out;
}

void record_index(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& out, const char* op) {
  if (!needs_grad({&self})) return;
  const TensorMeta self_meta(self);
  std::vector<SavedTensor> saved = save_indices(indices);
  record(index_node_name(op), {self}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
    const Tensor& g = grads[0];
    Tensor self_grad = zeros(self_meta.sizes, g->dtype(), g->device());
    if (GradMode::is_enabled()) return {index_put(self_grad, unpack_indices(saved, n), g, true)};  // create_graph
    // into the zeros themselves: index_put would clone them (an embedding's gradient, the size of
    // its whole table, was written twice)
    index_put_tensors_(self_grad, unpack_indices(saved, n), g, true, "index_put");
    return {self_grad};
  });
}

void record_masked_fill(const Tensor& self, const Tensor& mask, const Tensor& out) {
  if (!needs_grad({&self})) return;  // filled positions take no gradient
  const TensorMeta self_meta(self);
  const SavedTensor saved_mask(mask, false);
  record("MaskedFillBackward0", {self}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
    const Tensor& g = grads[0];
    return {grad_for(where(saved_mask.unpack(n), zeros({}, g->dtype(), g->device()), g), self_meta)};
  });
}

void index_put_in_graph_(const Tensor& self, const std::vector<TensorIndex>& indices, const Tensor& value,
                         bool accumulate) {
  // Where each indexed element lives in self: self's flat positions, indexed the same way.
  Tensor positions = reshape(arange(0, self->numel(), 1, DType::Int64, self->device()), self->sizes());
  Tensor written = index_put(reshape(self, {-1}), {index(positions, indices)}, value, accumulate);
  rebase_history(self, reshape(written, self->sizes()));
}

}  // namespace cr
