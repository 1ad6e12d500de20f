// resize_, set_ and share_memory_: the checks PyTorch makes, then Storage::grow /
// move_to_shared_memory and TensorImpl::reset_geometry do the work.
#include "ops/resize.h"

#include "autograd/record.h"
#include "core/error.h"

namespace cr {
namespace {

void check_sizes(const Shape& sizes, const char* op) {
  for (int64_t d : sizes) {
    CR_CHECK(d >= 0, RuntimeError, op, ": sizes must be non-negative, got ", sizes);
  }
}

// Grows t's storage (if needed) so that it holds this geometry, then gives t the geometry.
void view_storage(const Tensor& t, const std::shared_ptr<Storage>& storage, const Shape& sizes, const Shape& strides,
                  int64_t offset, const char* op) {
  int64_t nbytes;
  CR_CHECK(!__builtin_mul_overflow(storage_extent(sizes, strides, offset, op), itemsize(t->dtype()), &nbytes),
           RuntimeError, op, ": storage size calculation overflowed: sizes ", sizes, " of ", dtype_name(t->dtype()),
           " need more than 2**63 - 1 bytes");
  storage->grow(static_cast<size_t>(nbytes), op);
  storage->bump_version_past(t->version());  // t's version only goes up, even on another storage
  t->reset_geometry(storage, sizes, strides, offset);
}

}  // namespace

void resize_(const Tensor& t, const Shape& sizes) {
  CR_CHECK(!t->requires_grad(), RuntimeError, "cannot resize variables that require grad");
  check_sizes(sizes, "resize_");
  view_storage(t, t->storage(), sizes, contiguous_strides(sizes), t->offset(), "resize_");
}

void set_(const Tensor& t, const Tensor& source, int64_t relative_offset, const Shape& sizes, const Shape& strides) {
  CR_CHECK(source->dtype() == t->dtype(), RuntimeError, "set_: Could not set tensor of type ",
           dtype_name(source->dtype()), " to a tensor of type ", dtype_name(t->dtype()));
  CR_CHECK(source->device() == t->device(), RuntimeError, "set_: Attempted to set the storage of a tensor on device ",
           t->device(), " to a storage on different device ", source->device());
  CR_CHECK(!in_place_needs_grad(t, {&source}, "set_"), RuntimeError,
           "set_: chainrule does not record set_ in the autograd graph (PyTorch records a grad_fn that cannot ",
           "backpropagate either); call it under chainrule.no_grad() or with source.detach()");
  CR_CHECK(strides.empty() || strides.size() == sizes.size(), RuntimeError, "set_: unequal size length (",
           sizes.size(), ") and stride length (", strides.size(), ")");
  int64_t offset;
  CR_CHECK(!__builtin_add_overflow(source->offset(), relative_offset, &offset) && offset >= 0, RuntimeError,
           "set_: invalid storage offset: source's storage offset ", source->offset(), " plus storage_offset ",
           relative_offset, " is negative");
  check_sizes(sizes, "set_");
  for (int64_t s : strides) {
    CR_CHECK(s >= 0, RuntimeError, "set_: negative strides are not supported, got ", strides);
  }
  view_storage(t, source->storage(), sizes, strides.empty() ? contiguous_strides(sizes) : strides, offset, "set_");
}

void set_(const Tensor& t, const Tensor& source) { set_(t, source, 0, source->sizes(), source->strides()); }

void set_empty(const Tensor& t) {
  CR_CHECK(!in_place_needs_grad(t, {}, "set_"), RuntimeError,
           "set_: chainrule does not record set_ in the autograd graph; call it under chainrule.no_grad()");
  view_storage(t, Storage::allocate(0, t->device(), "set_"), {0}, {1}, 0, "set_");
}

void share_memory_(const Tensor& t) { t->storage()->move_to_shared_memory("share_memory_"); }

bool is_shared(const Tensor& t) { return !t->device().is_cpu() || t->storage()->is_shared(); }

Tensor tensor_from_shared_memory(int fd, size_t storage_nbytes, DType dtype, const Shape& sizes, const Shape& strides,
                                 int64_t offset) {
  const char* op = "tensor_from_shared_memory";
  check_sizes(sizes, op);
  CR_CHECK(strides.size() == sizes.size() && offset >= 0, RuntimeError, op, ": invalid geometry: sizes ", sizes,
           ", strides ", strides, ", offset ", offset);
  const int64_t capacity = static_cast<int64_t>(storage_nbytes / itemsize(dtype));
  CR_CHECK(storage_extent(sizes, strides, offset, op) <= capacity, RuntimeError, op, ": sizes ", sizes, ", strides ",
           strides, " and offset ", offset, " reach past the shared storage of ", capacity, " elements");
  return std::make_shared<TensorImpl>(Storage::map_shared_memory(fd, storage_nbytes, op), sizes, strides, offset,
                                      dtype);
}

}  // namespace cr
