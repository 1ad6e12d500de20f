// CopySlices for in-place writes into views, and the regenerated grad_fn of a view whose storage
// changed (see view_history.h). Both map a view's elements to its base's through a "positions"
// tensor: for each element of the view, the row-major index of the base element sharing its memory.
// The formulas use recorded ops (take, index_add, mul), so they differentiate again.
#include "autograd/view_history.h"

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/index.h"
#include "ops/tensor_math.h"
#include "ops/view.h"

namespace cr {
namespace {

// int64, view's shape: the row-major index in `base` of each element of `view` (a view of base).
Tensor positions_in_base(const TensorImpl& view, const Tensor& base) {
  GradModeGuard no_record(false);
  const int64_t capacity = static_cast<int64_t>(base->storage()->nbytes() / itemsize(base->dtype()));
  Tensor by_storage_slot = full({capacity}, Scalar(int64_t{-1}), DType::Int64, base->device());
  Tensor base_slots = as_strided(by_storage_slot, base->sizes(), base->strides(), base->offset());
  copy_(base_slots, reshape(arange(Scalar(int64_t{0}), Scalar(base->numel()), Scalar(int64_t{1}), DType::Int64,
                                   base->device()),
                            base->sizes()));
  return contiguous(as_strided(by_storage_slot, view.sizes(), view.strides(), view.offset()));
}

}  // namespace

void record_copy_slices(const Tensor& view, const Tensor& result) {
  const Tensor& base = view->view_base();
  Tensor positions = positions_in_base(*view, base);
  Tensor kept;  // base's shape and dtype: 1 where the base keeps its old value, 0 where the view was written
  {
    GradModeGuard no_record(false);
    kept = reshape(scatter(ones({base->numel()}, base->dtype(), base->device()), 0, reshape(positions, {-1}), Scalar(0.0)),
                   base->sizes());
  }
  const Shape view_sizes = view->sizes();
  record("CopySlices", {base, result}, {base},
         [positions, kept, view_sizes](const TensorList& g, const Node& node) -> TensorList {
           TensorList grads(2);
           if (node.needs_input_grad(0)) grads[0] = g[0] * kept;
           if (node.needs_input_grad(1)) grads[1] = reshape(take(g[0], positions), view_sizes);
           return grads;
         });
}

void TensorImpl::refresh_view_grad_fn() const {
  view_version_ = storage_->version();
  if (!view_tracks_grad_ || !view_base_->requires_grad()) return;
  Tensor positions = positions_in_base(*this, view_base_);
  const TensorMeta base_meta(view_base_);
  // The view reads its base's current values: its gradient lands on the base elements it shares.
  auto node = std::make_shared<FormulaNode>(
      "AsStridedBackward0", std::vector<Edge>{gradient_edge(view_base_)},
      [positions, base_meta](const TensorList& g, const Node&) -> TensorList {
        Tensor into_base = index_add(zeros({shape_numel(base_meta.sizes)}, base_meta.dtype, base_meta.device), 0,
                                     reshape(positions, {-1}), reshape(g[0], {-1}), Scalar(1.0));
        return {reshape(into_base, base_meta.sizes)};
      });
  grad_fn_ = node;
  output_nr_ = node->add_output(*this);
}

}  // namespace cr
