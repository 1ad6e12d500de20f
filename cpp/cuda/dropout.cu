// Dropout masks on a GPU (cuda/dropout.h): one thread per element, each testing its own draw.
#include <cuda_runtime.h>

#include "core/counter_rng.h"
#include "cuda/dropout.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct MaskElement {
  T* mask;
  CounterStream stream;
  double p;
  T keep;
  __device__ void operator()(int64_t i) const { mask[i] = bernoulli_draw(stream.draw(i), p) ? T(0) : keep; }
};

}  // namespace

template <typename T>
void bernoulli_fill(T* mask, int64_t numel, const CounterStream& stream, double p, T keep) {
  launch_indexed("dropout", numel, MaskElement<T>{mask, stream, p, keep});
}

template void bernoulli_fill<float>(float*, int64_t, const CounterStream&, double, float);
template void bernoulli_fill<double>(double*, int64_t, const CounterStream&, double, double);

}  // namespace cr::cuda
