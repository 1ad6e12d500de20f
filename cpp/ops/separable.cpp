// apply_separable: checks that the map fits the input, runs the kernel of cpu/separable.h or
// cuda/separable.h (its tables uploaded once, ops/device_tables.h) on the input's planes made
// contiguous, and records the adjoint map as the backward.
#include "ops/separable.h"

#include <optional>
#include <utility>
#include <vector>

#include "autograd/record.h"
#include "cuda/separable.h"
#include "ops/copy.h"
#include "ops/device_tables.h"
#include "ops/float32_staging.h"
#include "ops/planes.h"

namespace cr {

namespace {

// An AxisMap's CSR tables on a GPU, and the kernel's view of them.
struct UploadedMap {
  Tensor taps, weights;  // (start..., index...), (weight...)
  cuda::DeviceAxisMap view;
};

UploadedMap upload(const AxisMap& m, Device device) {
  std::vector<int64_t> taps(m.start);
  taps.insert(taps.end(), m.index.begin(), m.index.end());
  UploadedMap u{device_table(taps, device), device_table(m.weight, device), {}};
  const auto* t = static_cast<const int64_t*>(u.taps->device_data());
  u.view = {t, t + m.start.size(), static_cast<const double*>(u.weights->device_data()), m.out_size};
  return u;
}

void apply_on_gpu(const Tensor& x, const SeparableMap& map, const PlaneShape& shape, const Tensor& out) {
  const UploadedMap cols = upload(*map.cols, out->device());
  const std::optional<UploadedMap> rows = map.rows ? std::optional(upload(*map.rows, out->device())) : std::nullopt;
  cuda::apply_separable(map.op.c_str(), out->dtype(), x->device_data(), shape, rows ? &rows->view : nullptr, cols.view,
                        out->device_data());
}

}  // namespace

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
    auto launch = [&](const Tensor& out, const Tensor& xc) {
      if (!out->device().is_cpu()) {  // the family's dispatch point
        if (out->numel() > 0) apply_on_gpu(xc, map, l.shape(), out);
      } else CR_DISPATCH_FLOATING(out->dtype(), map.op.c_str(), [&] {
        if (out->numel() == 0) return;
        cpu::apply_separable(xc->data<scalar_t>(), l.shape(), map.rows.get(), *map.cols, out->data<scalar_t>());
      });
    };
    if (!staged_in_float32(out, launch, xc)) launch(out, xc);
  }
  out = in_inputs_format(out, {&x});  // channels-last in, channels-last out, as PyTorch's pools and resizes
  if (needs_grad({&x})) {
    record(map.node.c_str(), {x}, {out}, [adjoint = map.adjoint()](const TensorList& g, const Node&) -> TensorList {
      return {apply_separable(g[0], adjoint)};
    });
  }
  return out;
}

}  // namespace cr
