// randperm and multinomial. Sampling is sequential (one generator, one stream of draws), so a seed
// gives the same result on any number of threads. Streams differ from PyTorch's generator. For a
// GPU tensor they sample on the host too, from a seed the GPU's CUDA generator gives, as PyTorch's
// draw from it (chainrule.cuda.manual_seed fixes them; the CPU's generator is left alone).
#include "ops/sampling.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "autograd/record.h"
#include "core/cuda_generator.h"
#include "ops/copy.h"

namespace cr {

Tensor randperm(int64_t n, DType dtype, Device device, Generator& gen) {
  CR_CHECK(n >= 0, RuntimeError, "randperm: n must be non-negative, got ", n);
  check_device_available(device, "randperm");
  // On a GPU: drawn on the host, from a seed its CUDA generator gives (or from a private CPU
  // generator), and uploaded.
  if (CudaGenerator* gpu = cuda_generator_for(device, gen, "randperm")) {
    Generator host(gpu->host_seed());
    return to_device(randperm(n, dtype, kCpu, host), device);
  }
  if (!device.is_cpu()) return to_device(randperm(n, dtype, kCpu, gen), device);
  CR_DISPATCH_NUMERIC(computed_as(dtype), "randperm", [&] {
    CR_CHECK(n == 0 || static_cast<int64_t>(static_cast<scalar_t>(n - 1)) == n - 1, RuntimeError, "randperm: n = ", n,
             " is too large for dtype ", dtype_name(dtype));
  });
  Tensor perm = TensorImpl::empty({n}, DType::Int64, device, "randperm");  // checks n before any work
  int64_t* p = perm->data<int64_t>();
  std::iota(p, p + n, int64_t{0});
  {
    auto drawing = gen.lock();
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[gen.integer(0, i + 1)]);
  }
  return to_dtype(perm, dtype);
}

namespace {

// RuntimeError unless every weight of the row is finite and >= 0 and their sum is > 0.
void check_distribution(const double* w, int64_t n) {
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    CR_CHECK(std::isfinite(w[i]) && w[i] >= 0, RuntimeError,
             "multinomial: probability tensor contains either `inf`, `nan` or element < 0");
    total += w[i];
  }
  CR_CHECK(total > 0, RuntimeError, "multinomial: invalid multinomial distribution (sum of probabilities <= 0)");
}

// Draws with replacement: the first category whose running sum exceeds u * total.
void draw_with_replacement(const double* w, int64_t n, int64_t count, Generator& gen, int64_t* out) {
  std::vector<double> running(static_cast<size_t>(n));
  std::partial_sum(w, w + n, running.begin());
  for (int64_t s = 0; s < count; ++s) {
    const double u = gen.uniform() * running.back();
    const auto it = std::upper_bound(running.begin(), running.end(), u);
    out[s] = std::min<int64_t>(it - running.begin(), n - 1);
  }
}

// Draws without replacement in O(n log n) (Efraimidis-Spirakis): category i gets the key
// log(u_i) / w_i, u_i uniform in (0, 1], and the `count` largest keys win, in order. This draws
// exactly as picking categories one by one with probability proportional to the weights left;
// weight-0 categories (key -inf) come last, in random order (a second uniform key).
void draw_without_replacement(const double* w, int64_t n, int64_t count, Generator& gen, int64_t* out) {
  struct Key {
    double primary, tie;
    int64_t category;
  };
  std::vector<Key> keys(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const double u = 1.0 - gen.uniform();  // (0, 1]
    keys[i] = {w[i] > 0 ? std::log(u) / w[i] : -std::numeric_limits<double>::infinity(), gen.uniform(), i};
  }
  std::partial_sort(keys.begin(), keys.begin() + count, keys.end(), [](const Key& a, const Key& b) {
    return a.primary != b.primary ? a.primary > b.primary : a.tie > b.tie;
  });
  for (int64_t s = 0; s < count; ++s) out[s] = keys[s].category;
}

}  // namespace

Tensor multinomial(const Tensor& weights, int64_t num_samples, bool replacement, Generator& gen) {
  CR_CHECK(is_floating(weights->dtype()), RuntimeError,
           "multinomial only supports floating-point dtypes for input, got: ", dtype_name(weights->dtype()));
  CR_CHECK(weights->dim() == 1 || weights->dim() == 2, RuntimeError,
           "multinomial: prob_dist must be 1 or 2 dim, got shape ", weights->sizes());
  CR_CHECK(num_samples > 0, RuntimeError, "multinomial: cannot sample n_sample <= 0 samples (got ", num_samples, ")");
  const int64_t n = weights->sizes().back(), rows = weights->dim() == 2 ? weights->size(0) : 1;
  CR_CHECK(replacement || num_samples <= n, RuntimeError, "multinomial: cannot sample n_sample > prob_dist.size(-1) ",
           "samples without replacement (", num_samples, " samples from ", n, " categories)");
  if (CudaGenerator* gpu = cuda_generator_for(weights->device(), gen, "multinomial")) {  // on the host, as randperm
    Generator host(gpu->host_seed());
    return to_device(multinomial(to_host(weights), num_samples, replacement, host), weights->device());
  }
  if (!weights->device().is_cpu()) {
    return to_device(multinomial(to_host(weights), num_samples, replacement, gen), weights->device());
  }
  Tensor w;
  {
    GradModeGuard no_record(false);  // samples have no gradient
    w = contiguous(to_dtype(weights, DType::Float64));
  }
  const double* data = w->data<double>();
  for (int64_t r = 0; r < rows; ++r) check_distribution(data + r * n, n);
  Tensor out = TensorImpl::empty(weights->dim() == 2 ? Shape{rows, num_samples} : Shape{num_samples}, DType::Int64,
                                 weights->device());
  int64_t* samples = out->data<int64_t>();
  auto drawing = gen.lock();
  for (int64_t r = 0; r < rows; ++r) {
    if (replacement) {
      draw_with_replacement(data + r * n, n, num_samples, gen, samples + r * num_samples);
    } else {
      draw_without_replacement(data + r * n, n, num_samples, gen, samples + r * num_samples);
    }
  }
  return out;
}

}  // namespace cr
