// In-place random fills: draw a fresh contiguous tensor of samples in t's dtype, then copy_ it into
// t (which handles strides, 0-size tensors, the version counter and the autograd rules for in-place
// writes).
#include "ops/random_fill.h"

#include <cmath>

#include "core/error.h"
#include "core/random.h"
#include "ops/copy.h"

namespace cr {

namespace {

template <typename Draw>
void fill_with(const Tensor& t, const char* op, Draw draw) {
  CR_CHECK(is_floating(t->dtype()), TypeError, op, ": expected a float32 or float64 tensor, got a ", describe(t));
  // t's shape, contiguous, drawn on the host (a GPU tensor then gets the CPU's values for a seed)
  Tensor samples = TensorImpl::empty(t->sizes(), t->dtype(), kCpu);
  CR_DISPATCH_FLOATING(t->dtype(), op, [&] {
    scalar_t* p = samples->data<scalar_t>();
    for (int64_t i = 0; i < samples->numel(); ++i) p[i] = static_cast<scalar_t>(draw());
  });
  copy_(t, samples);
}

}  // namespace

void uniform_(const Tensor& t, double from, double to, Generator& g) {
  CR_CHECK(std::isfinite(from) && std::isfinite(to) && from <= to, ValueError,
           "uniform_: expects from <= to (both finite), got from=", from, ", to=", to);
  auto drawing = g.lock();
  fill_with(t, "uniform_", [&] {
    double v = from + (to - from) * g.uniform();
    return v < to ? v : from;  // rounding may reach `to`; keep the interval half-open
  });
}

void normal_(const Tensor& t, double mean, double std, Generator& g) {
  CR_CHECK(std::isfinite(mean) && std::isfinite(std) && std >= 0, ValueError,
           "normal_: expects a finite mean and std >= 0, got mean=", mean, ", std=", std);
  auto drawing = g.lock();
  fill_with(t, "normal_", [&] { return mean + std * g.normal(); });
}

}  // namespace cr
