// Indexing on a GPU (cuda/index.h).
#include <type_traits>

#include "cuda/index.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

// *target += value with an atomic add (int64 as the two's-complement unsigned add; a byte or an
// int16 by compare-and-swap on the aligned 32-bit word holding it, which wraps as the CPU's add does).
template <typename T>
__device__ void add_atomically(T* target, T value) {
  if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(target), static_cast<unsigned long long>(value));
  } else if constexpr (sizeof(T) < 4) {
    using Bits = std::conditional_t<sizeof(T) == 1, unsigned char, unsigned short>;
    constexpr unsigned int mask = sizeof(T) == 1 ? 0xffu : 0xffffu;
    const uintptr_t address = reinterpret_cast<uintptr_t>(target);
    unsigned int* word = reinterpret_cast<unsigned int*>(address & ~uintptr_t{3});
    const unsigned int shift = static_cast<unsigned int>(address & 3) * 8;
    unsigned int seen = *word, expected;
    do {
      expected = seen;
      const unsigned int sum = ((expected >> shift) + static_cast<Bits>(value)) & mask;
      seen = atomicCAS(word, expected, (expected & ~(mask << shift)) | (sum << shift));
    } while (seen != expected);
  } else {
    atomicAdd(target, value);
  }
}

template <typename T>
struct IndexRead {
  const T* self;
  AdvancedOffsets o;
  T* out;
  __device__ void operator()(int64_t i) const { out[i] = self[o.offset(i)]; }
};

template <typename T>
struct IndexWrite {
  T* self;
  AdvancedOffsets o;
  const T* values;
  bool broadcast_value, accumulate;
  __device__ void operator()(int64_t i) const {
    const T value = values[broadcast_value ? 0 : i];
    if constexpr (std::is_same_v<T, bool>) {
      self[o.offset(i)] = value;
    } else {
      if (accumulate) add_atomically(self + o.offset(i), value);
      else self[o.offset(i)] = value;
    }
  }
};

template <typename T>
struct Gather {  // p: out, index, input at coordinate 0 of dim
  int64_t step;
  __device__ void operator()(char** p) const {
    *reinterpret_cast<T*>(p[0]) = reinterpret_cast<const T*>(p[2])[*reinterpret_cast<const int64_t*>(p[1]) * step];
  }
};

template <typename T>
struct Scatter {  // p: self at coordinate 0 of dim, index, src
  int64_t step;
  bool accumulate;
  __device__ void operator()(char** p) const {
    T* target = reinterpret_cast<T*>(p[0]) + *reinterpret_cast<const int64_t*>(p[1]) * step;
    const T value = *reinterpret_cast<const T*>(p[2]);
    if constexpr (std::is_same_v<T, bool>) {
      *target = value;
    } else {
      if (accumulate) add_atomically(target, value);
      else *target = value;
    }
  }
};

}  // namespace

void index_read(DType dtype, const void* self, const AdvancedOffsets& o, void* out) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("index", o.rows() * o.inner_size, IndexRead<T>{static_cast<const T*>(self), o, static_cast<T*>(out)});
  });
}

void index_write(DType dtype, void* self, const AdvancedOffsets& o, const void* values, bool broadcast_value,
                 bool accumulate) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("index_put_", o.rows() * o.inner_size,
                   IndexWrite<T>{static_cast<T*>(self), o, static_cast<const T*>(values), broadcast_value, accumulate});
  });
}

void gather(DType dtype, const Shape& shape, const StridedOperand& out, const StridedOperand& index,
            const StridedOperand& input, int64_t step) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_elementwise<3>("gather", shape, {&out, &index, &input}, Gather<T>{step});
  });
}

void scatter(DType dtype, const Shape& shape, const StridedOperand& self, const StridedOperand& index,
             const StridedOperand& src, int64_t step, bool accumulate) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_elementwise<3>("scatter", shape, {&self, &index, &src}, Scatter<T>{step, accumulate});
  });
}

}  // namespace cr::cuda
