// apply_separable: checks that the map fits the input, runs the kernel of cpu/separable.h on the
// input's planes made contiguous, and records the adjoint map as the backward.
#include "ops/separable.h"

#include <utility>

#include "autograd/record.h"
#include "ops/copy.h"
#include "ops/planes.h"

namespace cr {

SeparableMap SeparableMap::adjoint() const {
  SeparableMap a = *this;
  if (rows) a.rows = std::make_shared<const AxisMap>(rows->transposed());
  a.cols = std::make_shared<const AxisMap>(cols->transposed());
  std::swap(a.node, a.adjoint_node);
  return a;
}

Tensor apply_separable(const Tensor& x, const SeparableMap& map) {
  const PlaneLayout l = plane_layout(x, map.spatial);
  CR_CHECK(l.width == map.cols->in_size && (!map.rows || l.height == map.rows->in_size), RuntimeError,
           map.op, ": internal error: a map for width ", map.cols->in_size, " applied to a ", describe(x));
  const int64_t ho = map.rows ? map.rows->out_size : 1;
  Tensor out = TensorImpl::empty(l.with_spatial(ho, map.cols->out_size), x->dtype(), x->device());
  {
    GradModeGuard no_record(false);  // the contiguous copy is an implementation detail
    const Tensor xc = contiguous(x);
    CR_DISPATCH_FLOATING(x->dtype(), map.op.c_str(), [&] {
      if (out->numel() == 0) return;
      cpu::apply_separable(xc->data<scalar_t>(), l.shape(), map.rows.get(), *map.cols, out->data<scalar_t>());
    });
  }
  if (needs_grad({&x})) {
    record(map.node.c_str(), {x}, {out}, [adjoint = map.adjoint()](const TensorList& g, const Node&) -> TensorList {
      return {apply_separable(g[0], adjoint)};
    });
  }
  return out;
}

}  // namespace cr
