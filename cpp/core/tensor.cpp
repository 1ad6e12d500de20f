// Construction and geometry queries of TensorImpl.
#include "core/tensor.h"

#include "autograd/grad_mode.h"
#include "core/error.h"

namespace cr {

Tensor TensorImpl::empty(const Shape& sizes, DType dtype, Device device, const char* op) {
  return empty_dense(sizes, contiguous_strides(sizes), dtype, device, op);
}

Tensor TensorImpl::empty_dense(const Shape& sizes, const Shape& strides, DType dtype, Device device, const char* op) {
  for (int64_t d : sizes) {
    CR_CHECK(d >= 0, ValueError, op, ": sizes must be non-negative, got ", sizes);
  }
  int64_t nbytes;
  CR_CHECK(!__builtin_mul_overflow(shape_numel(sizes, op), itemsize(dtype), &nbytes), RuntimeError, op,
           ": storage size calculation overflowed: sizes ", sizes, " of ", dtype_name(dtype),
           " need more than 2**63 - 1 bytes");
  auto storage = Storage::allocate(static_cast<size_t>(nbytes), device, op);
  return std::make_shared<TensorImpl>(std::move(storage), sizes, strides, 0, dtype);
}

Tensor TensorImpl::view_of(const Tensor& base, const Shape& sizes, const Shape& strides, int64_t offset,
                           const char* op) {
  for (int64_t d : sizes) {
    CR_CHECK(d >= 0, ValueError, op, ": sizes must be non-negative, got ", sizes);
  }
  int64_t capacity = static_cast<int64_t>(base->storage_->nbytes() / itemsize(base->dtype_));
  CR_CHECK(offset >= 0 && storage_extent(sizes, strides, offset, op) <= capacity, RuntimeError, op,
           ": sizes ", sizes, ", strides ", strides, " and offset ", offset, " reach past the storage of ",
           capacity, " elements");
  auto t = std::make_shared<TensorImpl>(base->storage_, sizes, strides, offset, base->dtype_);
  t->view_base_ = base->view_base_ ? base->view_base_ : base;
  t->view_tracks_grad_ = GradMode::is_enabled();
  t->view_version_ = t->version();
  return t;
}

Tensor TensorImpl::alias_of(const Tensor& t) {
  return std::make_shared<TensorImpl>(t->storage_, t->sizes_, t->strides_, t->offset_, t->dtype_);
}

void TensorImpl::reset_geometry(std::shared_ptr<Storage> storage, const Shape& sizes, const Shape& strides,
                                int64_t offset) {
  if (storage != storage_) view_base_ = nullptr;
  storage_ = std::move(storage);
  sizes_ = sizes;
  strides_ = strides;
  offset_ = offset;
}

void TensorImpl::fail_host_access() const {
  CR_CHECK(!device().is_meta(), NotImplementedError, "an op needs the values of a meta tensor (shape ", sizes_, ", dtype ",
           dtype_name(dtype_), "): meta tensors hold shapes only, and chainrule runs no op on them but factories, views, .to()/clone(), "
           "in-place fills and nn.init (which do nothing); give the module memory with to_empty(device=...) and "
           "load or initialize its values first");
  CR_FAIL(RuntimeError, "a CPU kernel was given a tensor on ", device(),
          ": this op has no kernel for that device yet (move the tensor with .cpu())");
}

bool TensorImpl::is_contiguous() const {
  return numel() == 0 || is_row_major(sizes_, strides_);  // empty: as in PyTorch, no element is out of place
}

void TensorImpl::set_requires_grad(bool r, const char* op) {
  CR_CHECK(!r || is_floating(dtype_), RuntimeError, op,
           ": only tensors of floating point dtype can require gradients, got dtype ", dtype_name(dtype_));
  CR_CHECK(r || is_leaf(), RuntimeError, op,
           ": requires_grad can only be turned off on leaf tensors; use detach() for a non-leaf");
  requires_grad_ = r;
}

std::string describe(const Tensor& t) {
  return str_cat("tensor of shape ", t->sizes(), " and dtype ", dtype_name(t->dtype()));
}

namespace {

// Folds one tensor into the common device found so far (`found`: whether one has been seen).
void join_device(const char* op, const Tensor& t, Device& device, bool& found, bool& only_cpu_scalars) {
  const bool cpu_scalar = t->dim() == 0 && t->device().is_cpu();
  if (!found) {
    device = t->device(), found = true, only_cpu_scalars = cpu_scalar;
    return;
  }
  if (t->device() == device || cpu_scalar) return;
  if (only_cpu_scalars) {
    device = t->device(), only_cpu_scalars = false;
    return;
  }
  CR_FAIL(RuntimeError, op, ": expected all tensors to be on the same device, but found at least two devices, ",
          device, " and ", t->device());
}

// An op's tensors on the meta device, which hold no values: NotImplementedError naming the op.
Device checked_not_meta(const char* op, Device device) {
  CR_CHECK(!device.is_meta(), NotImplementedError, op, ": not supported for meta tensors: they hold shapes "
           "only, and chainrule computes no op on them but factories, views, .to()/clone() and in-place fills; "
           "give the module memory with to_empty(device=...) first");
  return device;
}

}  // namespace

Device common_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  Device device;
  bool found = false, only_cpu_scalars = true;
  for (const Tensor* t : tensors) {
    if (t && *t) join_device(op, *t, device, found, only_cpu_scalars);
  }
  return checked_not_meta(op, device);
}

Device common_device(const char* op, const std::vector<Tensor>& tensors) {
  Device device;
  bool found = false, only_cpu_scalars = true;
  for (const Tensor& t : tensors) {
    if (t) join_device(op, t, device, found, only_cpu_scalars);
  }
  return checked_not_meta(op, device);
}

}  // namespace cr
