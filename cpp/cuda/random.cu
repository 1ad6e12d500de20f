// Random fills on a GPU (cuda/random.h): one thread per element, each computing its sample from
// its own draws of the reserved stream.
#include "cuda/random.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

template <typename T>
struct UniformElement {
  T* dst;
  CounterStream stream;
  T from, to;
  __device__ void operator()(int64_t i) const { dst[i] = uniform_between<T>(stream.draw(i), from, to); }
};

template <typename T>
struct NormalElement {
  T* dst;
  CounterStream stream;
  T mean, std;
  __device__ void operator()(int64_t i) const { dst[i] = mean + std * normal_at<T>(stream, i); }
};

template <typename T>
struct IntegerElement {
  T* dst;
  CounterStream stream;
  int64_t low;
  uint64_t range;
  __device__ void operator()(int64_t i) const { dst[i] = static_cast<T>(integer_from(stream.draw(i), low, range)); }
};

}  // namespace

void uniform_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, double from, double to) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("uniform_", n, UniformElement<T>{static_cast<T*>(dst), stream, static_cast<T>(from),
                                                    static_cast<T>(to)});
  });
}

void normal_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, double mean, double std) {
  with_floating(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("normal_", n, NormalElement<T>{static_cast<T*>(dst), stream, static_cast<T>(mean),
                                                  static_cast<T>(std)});
  });
}

void integer_fill(DType dtype, void* dst, int64_t n, const CounterStream& stream, int64_t low, uint64_t range) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("randint", n, IntegerElement<T>{static_cast<T*>(dst), stream, low, range});
  });
}

}  // namespace cr::cuda
