// float16/bfloat16 stand-ins for the kernels (ops/float32_staging.h).
#include "ops/float32_staging.h"

#include "ops/copy.h"

namespace cr {

bool any_reduced_float(std::initializer_list<const Tensor*> tensors) {
  for (const Tensor* t : tensors) {
    if (*t && is_reduced_float((*t)->dtype())) return true;
  }
  return false;
}

Tensor float32_standin(const Tensor& t) {
  if (!t || !is_reduced_float(t->dtype())) return t;
  Tensor standin = TensorImpl::empty(t->sizes(), DType::Float32, t->device());
  copy_values(standin, t);
  return standin;
}

Tensor float32_output(const Tensor& t) {
  return t && is_reduced_float(t->dtype()) ? TensorImpl::empty(t->sizes(), DType::Float32, t->device()) : t;
}

Tensor widened(const Tensor& t) { return t && is_reduced_float(t->dtype()) ? to_dtype(t, DType::Float32) : t; }

void write_back(const Tensor& t, const Tensor& standin) {
  if (t != standin) copy_values(t, standin);
}

}  // namespace cr
