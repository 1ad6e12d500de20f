// where(cond, a, b): picks from a where cond is true, else from b, all three broadcasting; either
// of a and b may be a number.
#include "autograd/record.h"
#include "cuda/elementwise.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/elementwise.h"
#include "ops/elementwise_kernels.h"

namespace cr {

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  CR_CHECK(cond->dtype() == DType::Bool, DTypeError, "where: condition must be a bool tensor, got ",
           dtype_name(cond->dtype()));
  Shape shape = broadcast_shapes(broadcast_shapes(cond->sizes(), a->sizes(), "where"), b->sizes(), "where");
  DType dt = result_type(a, b);
  Tensor out = elementwise_output(shape, {&cond, &a, &b}, dt, common_device("where", {&cond, &a, &b}), "where");
  Tensor ac = to_dtype(a, dt), bc = to_dtype(b, dt);
  if (!out->device().is_cpu()) {  // the dispatch point; a 0-d CPU operand moves to the GPU first
    const Device d = out->device();
    cuda::where_kernel(shape, device_operand(out, shape), device_operand(to_device(cond, d), shape),
                       device_operand(to_device(ac, d), shape), device_operand(to_device(bc, d), shape), moved_as(dt));
  } else {
    CR_DISPATCH_ALL(moved_as(dt), "where", [&] {
      ternary_kernel<scalar_t, bool, scalar_t, scalar_t>(out, cond, ac, bc,
                                                         [](bool c, scalar_t x, scalar_t y) { return c ? x : y; });
    });
  }
  if (needs_grad({&a, &b})) {  // the gradient goes to whichever input each element came from
    const TensorMeta ma(a), mb(b);
    const SavedTensor sc(cond, false);
    record("WhereBackward0", {a, b}, {out}, [=](const TensorList& grads, const Node& n) -> TensorList {
      Tensor c = sc.unpack(n), g = grads[0], zero = zeros({}, g->dtype(), g->device());
      return {n.needs_input_grad(0) ? grad_for(where(c, g, zero), ma) : nullptr,
              n.needs_input_grad(1) ? grad_for(where(c, zero, g), mb) : nullptr};
    });
  }
  return out;
}

Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  return where(cond, a, scalar_tensor(b, result_type(a->dtype(), b), a->device(), "where"));
}

Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  return where(cond, scalar_tensor(a, result_type(b->dtype(), a), b->device(), "where"), b);
}

Tensor where(const Tensor& cond, const Scalar& a, const Scalar& b) {
  return where(cond, scalar_tensor(a, a.default_dtype(), cond->device(), "where"),
               scalar_tensor(b, b.default_dtype(), cond->device(), "where"));
}

}  // namespace cr
