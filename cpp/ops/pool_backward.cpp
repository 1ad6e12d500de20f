// The backward of max pooling: a scatter-add of grad_output into a zero grad_input through the
// saved indices (flat over each plane), and the gather by the same indices that is its backward.
// Each is recorded with the other as its formula, so max pooling differentiates any number of times.
// Indices reach these kernels only from max pooling's own (version-checked) saved output. A window
// that lies wholly in the padding (dilation can step over the whole input) selects nothing: its
// index is PyTorch's, outside the plane, and it contributes no gradient (PyTorch adds it to the
// next plane or past the buffer).
#include <algorithm>

#include "autograd/record.h"
#include "cpu/parallel.h"
#include "ops/copy.h"
#include "ops/creation.h"
#include "ops/pool.h"

namespace cr {

namespace {

// The number of planes and elements per plane of `sizes` whose last `spatial` dims are the plane.
std::pair<int64_t, int64_t> planes_of(const Shape& sizes, int spatial) {
  int64_t planes = 1, per_plane = 1;
  for (size_t d = 0; d < sizes.size(); ++d) (d + spatial < sizes.size() ? planes : per_plane) *= sizes[d];
  return {planes, per_plane};
}

// Runs fn(b, e) over planes [0, planes), across threads when the work is large.
template <typename Fn>
void over_planes(int64_t planes, int64_t plane_work, const Fn& fn) {
  if (cpu::should_parallelize(planes * plane_work)) {
    cpu::parallel_for(0, planes, std::max<int64_t>(1, cpu::kMinChunk / std::max<int64_t>(plane_work, 1)), fn);
  } else {
    fn(0, planes);
  }
}

// Whether a saved index selects an element of a plane of in_plane elements.
bool in_plane_index(int64_t index, int64_t in_plane) {
  return static_cast<uint64_t>(index) < static_cast<uint64_t>(in_plane);
}

void check_indices(const Tensor& values, const Tensor& indices, const char* op) {
  CR_CHECK(indices->dtype() == DType::Int64 && indices->sizes() == values->sizes(), RuntimeError, op,
           ": expected int64 indices of shape ", values->sizes(), ", got a ", describe(indices));
}

Tensor gather_by_plane(const Tensor& x, const Tensor& indices, const Shape& out_sizes, int spatial);

}  // namespace

Tensor max_pool_backward(const Tensor& grad_output, const Tensor& indices, const Shape& input_sizes, int spatial) {
  const char* op = "max_pool_backward";
  check_indices(grad_output, indices, op);
  Tensor grad_input = zeros(input_sizes, grad_output->dtype(), grad_output->device());
  const auto [planes, in_plane] = planes_of(input_sizes, spatial);
  const int64_t out_plane = planes_of(grad_output->sizes(), spatial).second;
  {
    GradModeGuard no_record(false);
    const Tensor g = contiguous(grad_output), idx = contiguous(indices);
    CR_DISPATCH_FLOATING(g->dtype(), op, [&] {
      // gi (P, in_plane) += g (P, out_plane) at idx (P, out_plane)
      const scalar_t* gp = g->data<scalar_t>();
      const int64_t* ip = idx->data<int64_t>();
      scalar_t* gi = grad_input->data<scalar_t>();
      over_planes(planes, in_plane + out_plane, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          for (int64_t o = p * out_plane; o < (p + 1) * out_plane; ++o) {
            if (in_plane_index(ip[o], in_plane)) gi[p * in_plane + ip[o]] += gp[o];
          }
        }
      });
    });
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
  const auto [planes, in_plane] = planes_of(x->sizes(), spatial);
  const int64_t out_plane = planes_of(out_sizes, spatial).second;
  {
    GradModeGuard no_record(false);
    const Tensor xc = contiguous(x), idx = contiguous(indices);
    CR_DISPATCH_FLOATING(x->dtype(), op, [&] {
      const scalar_t* xp = xc->data<scalar_t>();
      const int64_t* ip = idx->data<int64_t>();
      scalar_t* y = out->data<scalar_t>();
      over_planes(planes, out_plane, [&](int64_t b, int64_t e) {
        for (int64_t p = b; p < e; ++p) {
          for (int64_t o = p * out_plane; o < (p + 1) * out_plane; ++o) {
            y[o] = in_plane_index(ip[o], in_plane) ? xp[p * in_plane + ip[o]] : scalar_t(0);
          }
        }
      });
    });
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
