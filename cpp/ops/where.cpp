// where(cond, a, b): picks from a where cond is true, else from b, all three broadcasting.
#include "cpu/elementwise.h"
#include "ops/copy.h"
#include "ops/elementwise.h"

namespace cr {

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  CR_CHECK(cond->dtype() == DType::Bool, TypeError, "where: condition must be a bool tensor, got ",
           dtype_name(cond->dtype()));
  Shape shape = broadcast_shapes(broadcast_shapes(cond->sizes(), a->sizes(), "where"), b->sizes(), "where");
  DType dt = result_type(a, b);
  Tensor out = TensorImpl::empty(shape, dt, a->device());
  Tensor ac = to_dtype(a, dt), bc = to_dtype(b, dt);
  CR_DISPATCH_ALL(dt, "where", [&] {
    cpu::ternary_kernel<scalar_t, bool, scalar_t, scalar_t>(out, cond, ac, bc,
                                                            [](bool c, scalar_t x, scalar_t y) { return c ? x : y; });
  });
  return out;
}

}  // namespace cr
