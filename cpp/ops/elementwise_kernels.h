// The elementwise kernels of cpu/elementwise.h called with tensors: out = f(a), f(a, b),
// f(c, a, b), every input broadcast to out's shape. The one place where a tensor becomes a
// StridedOperand; ops pass their formulas (lambdas) straight through.
#pragma once

#include <initializer_list>
#include <vector>

#include "core/output_layout.h"
#include "core/tensor.h"
#include "cpu/elementwise.h"

namespace cr {

// t seen at `shape`: its data, element size and broadcast strides. strided_operand is for CPU
// kernels (a tensor elsewhere is refused); device_operand for the kernels of t's own device.
inline StridedOperand device_operand(const Tensor& t, const Shape& shape) {
  return {static_cast<char*>(t->device_data()), static_cast<int64_t>(itemsize(t->dtype())),
          broadcast_strides(t->sizes(), t->strides(), shape)};
}
inline StridedOperand strided_operand(const Tensor& t, const Shape& shape) {
  return {static_cast<char*>(t->raw_data()), static_cast<int64_t>(itemsize(t->dtype())),
          broadcast_strides(t->sizes(), t->strides(), shape)};
}

// An uninitialized output of `shape` for an elementwise op on `inputs`, laid out as PyTorch lays it
// out (core/output_layout.h): contiguous for contiguous inputs, permuted like a permuted input.
inline Tensor elementwise_output(const Shape& shape, std::initializer_list<const Tensor*> inputs, DType dtype,
                                 Device device, const char* op) {
  std::vector<Shape> strides;
  for (const Tensor* t : inputs) strides.push_back(broadcast_strides((*t)->sizes(), (*t)->strides(), shape));
  return TensorImpl::empty_dense(shape, elementwise_output_strides(shape, strides), dtype, device, op);
}

template <typename Out, typename A, typename F>
void unary_kernel(const Tensor& out, const Tensor& a, const F& f) {
  const Shape& shape = out->sizes();
  cpu::unary_kernel<Out, A>(shape, strided_operand(out, shape), strided_operand(a, shape), f);
}

template <typename Out, typename A, typename B, typename F>
void binary_kernel(const Tensor& out, const Tensor& a, const Tensor& b, const F& f) {
  const Shape& shape = out->sizes();
  cpu::binary_kernel<Out, A, B>(shape, strided_operand(out, shape), strided_operand(a, shape),
                                strided_operand(b, shape), f);
}

// f exact except on rare elements, which get exact(a, b) (cpu::binary_kernel_with_rare_case).
template <typename T, typename F, typename IsRare, typename Exact>
void binary_kernel_with_rare_case(const Tensor& out, const Tensor& a, const Tensor& b, const F& f,
                                  const IsRare& is_rare, const Exact& exact) {
  const Shape& shape = out->sizes();
  cpu::binary_kernel_with_rare_case<T>(shape, strided_operand(out, shape), strided_operand(a, shape),
                                       strided_operand(b, shape), f, is_rare, exact);
}

template <typename Out, typename C, typename A, typename B, typename F>
void ternary_kernel(const Tensor& out, const Tensor& c, const Tensor& a, const Tensor& b, const F& f) {
  const Shape& shape = out->sizes();
  cpu::ternary_kernel<Out, C, A, B>(shape, strided_operand(out, shape), strided_operand(c, shape),
                                    strided_operand(a, shape), strided_operand(b, shape), f);
}

}  // namespace cr
