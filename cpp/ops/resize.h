// Ops that change which memory a tensor views, in place: resize_, set_ and share_memory_. As in
// PyTorch they change the tensor itself (every Python handle to it), and the storage itself when it
// must grow or move, so that other tensors sharing that storage see the new memory.
#pragma once

#include "core/tensor.h"

namespace cr {

// Tensor.resize_(sizes): contiguous geometry from t's storage offset. A storage too small for it
// grows in place (old bytes kept, new ones uninitialized); a larger one keeps its size. Refused for a
// tensor that requires grad and for a growing non-resizable storage. t's version goes up.
void resize_(const Tensor& t, const Shape& sizes);
// Tensor.set_(source, offset, sizes, strides): t views source's storage with this geometry (strides
// empty: contiguous), from `offset` elements past source's own storage offset (as PyTorch's set_
// with a tensor source), the storage growing if needed. Same dtype and device as t. Outside autograd:
// refused with grad mode on when t or source requires grad. t's version goes up.
void set_(const Tensor& t, const Tensor& source, int64_t offset, const Shape& sizes, const Shape& strides);
// Tensor.set_(source): t views source's storage with source's geometry.
void set_(const Tensor& t, const Tensor& source);
// Tensor.set_(): t views a fresh empty storage, shape (0,).
void set_empty(const Tensor& t);
// Tensor.share_memory_(): t's CPU storage moves into memory shared with processes forked
// afterwards (nothing to do on a GPU, as in PyTorch); is_shared() says whether it is there.
void share_memory_(const Tensor& t);
bool is_shared(const Tensor& t);
// The receiving side of sending a shared tensor to another process (chainrule.multiprocessing): a
// tensor viewing the shared-memory file `fd`, storage_nbytes long, with this geometry. The
// descriptor is duplicated, not taken; a geometry reaching past the storage is a RuntimeError.
Tensor tensor_from_shared_memory(int fd, size_t storage_nbytes, DType dtype, const Shape& sizes, const Shape& strides,
                                 int64_t offset);

}  // namespace cr
