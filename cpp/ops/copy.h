// Copies and dtype conversion: copy_ (broadcast + cast into an existing tensor), to(dtype),
// contiguous and clone.
#pragma once

#include "core/scalar.h"
#include "core/tensor.h"

namespace cr {

// dst[...] = src[...], src broadcasting to dst's shape, converting dtypes. Bumps dst's version.
void copy_(const Tensor& dst, const Tensor& src);
// dst[...] = src[...] converted, src already of dst's shape and device: no checks, no autograd, no
// version bump (the kernels' own conversions: ops/float32_staging.h).
void copy_values(const Tensor& dst, const Tensor& src);
Tensor to_dtype(const Tensor& t, DType dtype);  // t itself when it already has that dtype
// t on `device` (t itself when already there), its gradient going back to t's device.
Tensor to_device(const Tensor& t, Device device);
// t itself on the CPU, else its copy there (which waits for the device): for values the host must read.
Tensor to_host(const Tensor& t);
Tensor contiguous(const Tensor& t);             // t itself when already contiguous
Tensor clone(const Tensor& t);                  // a fresh contiguous copy
Scalar item(const Tensor& t);                   // the value of a one-element tensor

// PyTorch's memory formats of a copy: Preserve keeps a dense tensor's strides (others become dense
// in the order of their strides, as elementwise results are laid out); ChannelsLast (4-d) and
// ChannelsLast3d (5-d) put the channels innermost (NHWC, NDHWC strides); Contiguous is row-major.
enum class MemoryFormat { Contiguous, Preserve, ChannelsLast, ChannelsLast3d };
// Whether t is laid out as `format` asks (always, for Preserve).
bool is_in_format(const Tensor& t, MemoryFormat format);
// t converted to `dtype` in `format`'s layout, always a copy, recorded as clone (CloneBackward0) or
// to(dtype) (ToCopyBackward0) are: the user-facing clone(), to(), float() & co. and
// contiguous(memory_format=); the core's own clone and to_dtype above are its row-major case.
Tensor copy_in_format(const Tensor& t, DType dtype, MemoryFormat format);

// The layout PyTorch reads in t's strides (suggest_memory_format): ChannelsLast (ChannelsLast3d) for
// a 4-d (5-d) tensor whose channels' stride is smallest, then the spatial dims' from the last, then the
// batch's, with its tie-breaks for size-1 dims (an (N, 1, H, W) row-major tensor is Contiguous);
// Contiguous otherwise.
MemoryFormat suggested_memory_format(const Tensor& t);
inline bool suggests_channels_last(const Tensor& t) {
  return t && suggested_memory_format(t) == MemoryFormat::ChannelsLast;
}
// An op's 4-d result laid out channels-last when one of `inputs` suggests it, as PyTorch's conv,
// batch_norm and pooling lay theirs out; a copy not recorded, for an op to make before it records
// its node.
Tensor in_inputs_format(const Tensor& result, std::initializer_list<const Tensor*> inputs);

// Whether a and b may touch the same memory (same storage): in-place ops copy such inputs first.
inline bool may_alias(const Tensor& a, const Tensor& b) { return a->storage() == b->storage(); }

}  // namespace cr
