// In-place random fills: draw a fresh contiguous tensor of samples in t's dtype, then copy_ it into
// t (which handles strides, 0-size tensors, the version counter and the autograd rules for in-place
// writes). The samples are drawn on the GPU for a GPU tensor filled from its CUDA generator (the
// dispatch point), on the host otherwise.
#include "ops/random_fill.h"

#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "cuda/random.h"
#include "ops/copy.h"

namespace cr {

namespace {

void check_floating(const Tensor& t, const char* op) {
  CR_CHECK(is_floating(t->dtype()), DTypeError, op, ": expected a float32 or float64 tensor, got a ", describe(t));
}

template <typename Draw>
void fill_with(const Tensor& t, const char* op, Draw draw) {
  // t's shape, contiguous, drawn on the host (a GPU tensor given a private generator then gets the
  // CPU's values for its seed)
  Tensor samples = TensorImpl::empty(t->sizes(), computed_as(t->dtype()), kCpu);
  CR_DISPATCH_FLOATING(samples->dtype(), op, [&] {
    scalar_t* p = samples->data<scalar_t>();
    for (int64_t i = 0; i < samples->numel(); ++i) p[i] = static_cast<scalar_t>(draw());
  });
  copy_(t, samples);
}

// A new tensor on the GPU, filled there by fill(data, n, stream) from the next draws(n) draws of
// gen, reserved once the allocation succeeded (so a failed one reserves nothing).
template <typename Draws, typename Fill>
Tensor drawn_on_gpu(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, const char* op,
                    const Draws& draws, const Fill& fill) {
  Tensor t = TensorImpl::empty(sizes, dtype, device, op);
  fill(t->device_data(), t->numel(), gen.reserve(draws(static_cast<uint64_t>(t->numel()))));
  return t;
}

uint64_t one_each(uint64_t n) { return n; }

}  // namespace

Tensor gpu_uniform(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, double from, double to,
                   const char* op) {
  return drawn_on_gpu(sizes, dtype, device, gen, op, one_each,
                      [&](void* p, int64_t n, const CounterStream& s) {
                        cuda::uniform_fill(dtype, p, n, s, from, to);
                      });
}

Tensor gpu_normal(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, double mean, double std,
                  const char* op) {
  return drawn_on_gpu(sizes, dtype, device, gen, op, normal_draws,
                      [&](void* p, int64_t n, const CounterStream& s) {
                        cuda::normal_fill(dtype, p, n, s, mean, std);
                      });
}

Tensor gpu_integers(const Shape& sizes, DType dtype, Device device, CudaGenerator& gen, int64_t low, int64_t high,
                    const char* op) {
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  return drawn_on_gpu(sizes, dtype, device, gen, op, one_each,
                      [&](void* p, int64_t n, const CounterStream& s) {
                        cuda::integer_fill(dtype, p, n, s, low, range);
                      });
}

void uniform_(const Tensor& t, double from, double to, Generator& g) {
  CR_CHECK(std::isfinite(from) && std::isfinite(to) && from <= to, ValueError,
           "uniform_: expects from <= to (both finite), got from=", from, ", to=", to);
  check_floating(t, "uniform_");
  if (t->device().is_meta()) return;  // no values to draw
  if (CudaGenerator* gpu = cuda_generator_for(t->device(), g, "uniform_")) {
    copy_(t, gpu_uniform(t->sizes(), computed_as(t->dtype()), t->device(), *gpu, from, to, "uniform_"));
    return;
  }
  auto drawing = g.lock();
  fill_with(t, "uniform_", [&] {
    double v = from + (to - from) * g.uniform();
    return v < to ? v : from;  // rounding may reach `to`; keep the interval half-open
  });
}

void normal_(const Tensor& t, double mean, double std, Generator& g) {
  CR_CHECK(std::isfinite(mean) && std::isfinite(std) && std >= 0, ValueError,
           "normal_: expects a finite mean and std >= 0, got mean=", mean, ", std=", std);
  check_floating(t, "normal_");
  if (t->device().is_meta()) return;  // no values to draw
  if (CudaGenerator* gpu = cuda_generator_for(t->device(), g, "normal_")) {
    copy_(t, gpu_normal(t->sizes(), computed_as(t->dtype()), t->device(), *gpu, mean, std, "normal_"));
    return;
  }
  auto drawing = g.lock();
  fill_with(t, "normal_", [&] { return mean + std * g.normal(); });
}

}  // namespace cr
