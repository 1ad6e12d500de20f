// float16 and bfloat16 in the kernels. The kernels compute in float32 and float64 only. The elementwise
// ones (unary, binary, activations) read and write 16-bit elements themselves (cpu/elementwise.h);
// for the others each family's dispatch point hands them float32 stand-ins for 16-bit tensors and
// writes the results back, so an op rounds its result once, as PyTorch's CPU kernels do with their
// float32 "opmath" type:
//
//   if (staged_in_float32(out, [&](const Tensor& o, const Tensor& a) { launch(op, o, a); }, x)) return;
//
// Ops that are easier whole (the norms, the losses, the recurrent cells) compute in float32 at their
// entry instead, through widened() (recorded conversions), and round the result back once.
//
// Autograd never sees the stand-ins: the op records its node with the 16-bit tensors, and the
// backward's ops come through their own dispatch points.
#pragma once

#include <initializer_list>

#include "core/tensor.h"

namespace cr {

// Whether any of the tensors (null ones skipped) is float16 or bfloat16.
bool any_reduced_float(std::initializer_list<const Tensor*> tensors);

// t itself, or for a float16/bfloat16 tensor a float32 copy of its values (same shape and device).
Tensor float32_standin(const Tensor& t);
// t itself, or for a float16/bfloat16 tensor an uninitialized float32 tensor of its shape and device:
// the stand-in of an output its kernel writes whole.
Tensor float32_output(const Tensor& t);

// The kernel's float32 values written back into the 16-bit tensor they stand in for, each rounded
// to nearest even; nothing when standin is t itself.
void write_back(const Tensor& t, const Tensor& standin);

// t converted to float32 with autograd (ToCopyBackward0) when it is float16/bfloat16; else t (null too).
Tensor widened(const Tensor& t);

// When `out` or any input is float16/bfloat16: launch(out32, inputs32...) on stand-ins, the result
// written back into out; true. Otherwise nothing, and false (the caller launches as usual). The
// launch must write every element of out32, which starts uninitialized.
template <typename Launch, typename... Inputs>
bool staged_in_float32(const Tensor& out, const Launch& launch, const Inputs&... inputs) {
  if (!any_reduced_float({&out, &inputs...})) return false;
  Tensor out32 = float32_output(out);
  launch(out32, float32_standin(inputs)...);
  write_back(out, out32);
  return true;
}

}  // namespace cr
