// The tensor: a strided view (sizes, strides, offset, in elements) of a Storage, with a dtype, a
// device and the autograd fields. `Tensor` is a shared handle; a null Tensor means "no tensor"
// (e.g. a grad not yet computed). Every op lives in cpp/ops; this file only describes the data.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "core/device.h"
#include "core/dtype.h"
#include "core/shape.h"
#include "core/storage.h"

namespace cr {

class Node;  // a recorded op in the autograd graph (cpp/autograd)
class TensorImpl;
using Tensor = std::shared_ptr<TensorImpl>;
// A hook on a gradient: returns a replacement, or null to keep it (Tensor.register_hook).
using GradHook = std::function<Tensor(const Tensor&)>;
// Called with a leaf after its .grad was accumulated (Tensor.register_post_accumulate_grad_hook).
using PostAccumulateGradHook = std::function<void(const Tensor&)>;

class TensorImpl {
 public:
  TensorImpl(std::shared_ptr<Storage> storage, const Shape& sizes, const Shape& strides,
             int64_t offset, DType dtype)
      : storage_(std::move(storage)), sizes_(sizes), strides_(strides), offset_(offset), dtype_(dtype) {}

  // Fresh contiguous tensor with uninitialized values. Negative sizes are a ValueError, and an
  // element or byte count past int64 (or more memory than there is) a RuntimeError, naming `op`.
  static Tensor empty(const Shape& sizes, DType dtype, Device device, const char* op = "empty");
  // The same with dense `strides` in another dim order (core/output_layout.h): numel elements of storage.
  static Tensor empty_dense(const Shape& sizes, const Shape& strides, DType dtype, Device device, const char* op);
  // A view of `base`'s storage with new geometry (same dtype); it remembers its base tensor. A
  // geometry reaching outside the storage is a RuntimeError naming `op`: no view reads past it.
  static Tensor view_of(const Tensor& base, const Shape& sizes, const Shape& strides, int64_t offset,
                        const char* op);
  // The same data as t, without autograd history and not tracked as a view (detach()).
  static Tensor alias_of(const Tensor& t);
  // set_ and resize_ (cpp/ops/resize.h): this tensor, through every handle to it, now views `storage`
  // with this geometry (checked by the caller). A view given another storage stops being a view.
  void reset_geometry(std::shared_ptr<Storage> storage, const Shape& sizes, const Shape& strides, int64_t offset);

  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  int64_t size(int64_t dim) const { return sizes_[dim]; }
  int64_t stride(int64_t dim) const { return strides_[dim]; }
  int64_t offset() const { return offset_; }
  int64_t dim() const { return static_cast<int64_t>(sizes_.size()); }
  int64_t numel() const { return shape_numel(sizes_); }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  const std::shared_ptr<Storage>& storage() const { return storage_; }
  // The tensor this one is a view of (the first non-view in the chain), or null.
  const Tensor& view_base() const { return view_base_; }
  bool is_contiguous() const;

  // The first element, for CPU kernels: a tensor on another device is a RuntimeError, so an op
  // that has no kernel for that device fails cleanly instead of reading device memory.
  template <typename T>
  T* data() const { return static_cast<T*>(host_storage_data()) + offset_; }
  void* raw_data() const { return static_cast<char*>(host_storage_data()) + offset_ * itemsize(dtype_); }
  // The first element wherever it lives, for device kernels and copies between devices.
  // A meta tensor has none: NotImplementedError (as every data access here).
  void* device_data() const { return static_cast<char*>(storage_data_with_values()) + offset_ * itemsize(dtype_); }

  // Autograd fields; the engine (cpp/autograd) gives them meaning. A tensor made by a recorded op
  // has a grad_fn (and requires grad); a leaf has none and requires grad only when asked to.
  bool requires_grad() const { return requires_grad_ || grad_fn() != nullptr; }
  void set_requires_grad(bool r, const char* op = "requires_grad_");
  const Tensor& grad() const { return grad_; }
  void set_grad(Tensor g) { grad_ = std::move(g); }
  // A view whose storage was written in place since its grad_fn was set gets a fresh one first: its
  // values now come from its base's current history (see cpp/autograd/view_history.cpp).
  const std::shared_ptr<Node>& grad_fn() const {
    if (view_base_ && view_version_ != storage_->version()) refresh_view_grad_fn();
    return grad_fn_;
  }
  uint32_t output_nr() const { return grad_fn() ? output_nr_ : 0; }
  void set_grad_fn(std::shared_ptr<Node> fn, uint32_t output_nr) {
    grad_fn_ = std::move(fn);
    output_nr_ = output_nr;
    view_version_ = storage_->version();
  }
  bool is_leaf() const { return grad_fn() == nullptr; }
  // Whether this view was made with grad mode on (a view made under no_grad never joins the graph).
  bool view_tracks_grad() const { return view_tracks_grad_; }
  // The AccumulateGrad node of a leaf, shared by every op that uses it (held weakly: the graph owns it).
  std::weak_ptr<Node>& grad_accumulator() { return grad_accumulator_; }
  bool retains_grad() const { return retains_grad_; }
  void set_retains_grad() { retains_grad_ = true; }
  std::vector<GradHook>& hooks() { return hooks_; }  // a leaf's gradient hooks
  // A leaf's hooks run after its .grad is accumulated (null where removed).
  std::vector<PostAccumulateGradHook>& post_accumulate_grad_hooks() { return post_accumulate_grad_hooks_; }
  uint64_t version() const { return storage_->version(); }
  void bump_version() { storage_->bump_version(); }

 private:
  void* host_storage_data() const {
    if (!storage_->device().is_cpu()) fail_host_access();
    return storage_->data();
  }
  void* storage_data_with_values() const {
    if (storage_->device().is_meta()) fail_host_access();
    return storage_->data();
  }
  [[noreturn]] void fail_host_access() const;

  std::shared_ptr<Storage> storage_;
  Tensor view_base_;
  Shape sizes_;
  Shape strides_;
  int64_t offset_;
  DType dtype_;

  bool requires_grad_ = false;
  bool retains_grad_ = false;
  mutable uint32_t output_nr_ = 0;
  Tensor grad_;
  mutable std::shared_ptr<Node> grad_fn_;
  std::weak_ptr<Node> grad_accumulator_;
  std::vector<GradHook> hooks_;
  std::vector<PostAccumulateGradHook> post_accumulate_grad_hooks_;
  // Views only: the storage version at which grad_fn_ was last set, and the grad mode at creation.
  mutable uint64_t view_version_ = 0;
  bool view_tracks_grad_ = false;

  void refresh_view_grad_fn() const;  // defined in cpp/autograd/view_history.cpp
};

// An optional tensor's data on its own device (for kernels of any device), null when absent.
inline void* device_data_or_null(const Tensor& t) { return t ? t->device_data() : nullptr; }

// "tensor of shape (2, 3) and dtype float32", for error messages.
std::string describe(const Tensor& t);

// The device an op on `tensors` (nulls skipped) runs on and allocates its results on. Tensors on
// two devices are a RuntimeError naming op and both devices, as in PyTorch; a 0-d CPU tensor goes
// with tensors on any device (a number held in a tensor), also as in PyTorch. Meta tensors, which
// hold no values, are a NotImplementedError naming op.
Device common_device(const char* op, std::initializer_list<const Tensor*> tensors);
Device common_device(const char* op, const std::vector<Tensor>& tensors);

}  // namespace cr
