// The backward of max pooling: a scatter-add of grad_output into a zero grad_input through the
// saved indices (flat over each plane), and the gather by the same indices that is its backward,
// each a kernel of cpu/pool.h. Each is recorded with the other as its formula, so max pooling
// differentiates any number of times.
// Indices reach these kernels only from max pooling's own (version-checked) saved output. A window
// that lies wholly in the padding (dilation can step over the whole input) selects nothing: its
// index is PyTorch's, outside the plane, and it contributes no gradient (PyTorch adds it to the
// next plane or past the buffer).
#include "autograd/record.h"
#include "cpu/pool.h"
#include "cuda/pool.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/float32_staging.h"
#include "ops/pool.h"

namespace cr {

namespace {

// `sizes` as planes of its last `spatial` dims: the number of planes and the elements per plane.
std::pair<int64_t, int64_t> planes_of(const Shape& sizes, int spatial) {
  int64_t planes = 1, per_plane = 1;
  for (size_t d = 0; d < sizes.size(); ++d) (d + spatial < sizes.size() ? planes : per_plane) *= sizes[d];
  return {planes, per_plane};
}

// The planes of an input of `in_sizes` and of its pooled output of `out_sizes`.
PooledPlanes pooled_planes(const Shape& in_sizes, const Shape& out_sizes, int spatial) {
  const auto [planes, in_plane] = planes_of(in_sizes, spatial);
  return {planes, in_plane, planes_of(out_sizes, spatial).second};
}

void check_indices(const Tensor& values, const Tensor& indices, const char* op) {
  common_device(op, {&values, &indices});
  CR_CHECK(indices->dtype() == DType::Int64 && indices->sizes() == values->sizes(), RuntimeError, op,
           ": expected int64 indices of shape ", values->sizes(), ", got a ", describe(indices));
}

Tensor gather_by_plane(const Tensor& x, const Tensor& indices, const Shape& out_sizes, int spatial);

}  // namespace

Tensor max_pool_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_sizes, int spatial) {
  const char* op = "max_pool_backward";
  check_indices(grad_output, indices, op);
  Tensor grad_input = zeros(input_sizes, grad_output->dtype(), grad_output->device());
  const PooledPlanes planes = pooled_planes(input_sizes, grad_output->sizes(), spatial);
  {
    GradModeGuard no_record(false);
    const Tensor g = contiguous(grad_output), idx = contiguous(indices);
    auto launch = [&](const Tensor& out, const Tensor& g) {
      if (!out->device().is_cpu()) {  // the family's dispatch point
        cuda::max_pool_backward(g->dtype(), g->device_data(), static_cast<const int64_t*>(idx->device_data()), planes,
                                out->device_data());
      } else CR_DISPATCH_FLOATING(out->dtype(), op, [&] {
        cpu::max_pool_backward(g->data<scalar_t>(), idx->data<int64_t>(), planes, out->data<scalar_t>());
      });
    };
    if (!any_reduced_float({&grad_input})) {
      launch(grad_input, g);
    } else {  // the kernel adds into the zeros of grad_input: its stand-in keeps them
      const Tensor grad32 = float32_standin(grad_input);
      launch(grad32, float32_standin(g));
      write_back(grad_input, grad32);
    }
  }
  if (needs_grad({&grad_output})) {
    record("MaxPoolBackwardBackward0", {grad_output}, {grad_input},
           [sidx = SavedTensor(indices, false), out_sizes = grad_output->sizes(), spatial](
               const TensorList& g, const Node& n) -> TensorList {
             return {gather_by_plane(g[0], sidx.unpack(n), out_sizes, spatial)};
           });
  }
  return grad_input;
}

namespace {

// out (batch..., out spatial) = x (batch..., in spatial) at each plane's indices.
Tensor gather_by_plane(const Tensor& x, const Tensor& indices, const Shape& out_sizes, int spatial) {
  const char* op = "max_pool_double_backward";
  Tensor out = TensorImpl::empty(out_sizes, x->dtype(), x->device());
  check_indices(out, indices, op);
  const PooledPlanes planes = pooled_planes(x->sizes(), out_sizes, spatial);
  {
    GradModeGuard no_record(false);
    const Tensor xc = contiguous(x), idx = contiguous(indices);
    auto launch = [&](const Tensor& out, const Tensor& xc) {
      if (!out->device().is_cpu()) {
        cuda::max_pool_gather(out->dtype(), xc->device_data(), static_cast<const int64_t*>(idx->device_data()), planes,
                              out->device_data());
      } else CR_DISPATCH_FLOATING(out->dtype(), op, [&] {
        cpu::max_pool_gather(xc->data<scalar_t>(), idx->data<int64_t>(), planes, out->data<scalar_t>());
      });
    };
    if (!staged_in_float32(out, launch, xc)) launch(out, xc);
  }
  if (needs_grad({&x})) {
    record("MaxPoolBackwardBackwardBackward0", {x}, {out},
           [sidx = SavedTensor(indices, false), in_sizes = x->sizes(), spatial](const TensorList& g,
                                                                                  const Node& n) -> TensorList {
             return {max_pool_backward(g[0], sidx.unpack(n), in_sizes, spatial)};
           });
  }
  return out;
}

}  // namespace

}  // namespace cr
