// sort_lines on a GPU (cuda/sort.h), as PyTorch sorts segments: two stable device-wide radix sorts
// (CUB's DeviceRadixSort: every block of the GPU works on every line, and nothing waits for the
// host, where CUB's segmented sort runs short batches of lines one block each and reads group sizes
// back on the host):
//   1. keys (count * n): each value's unsigned key that orders as PyTorch sorts (core/sort_keys.h),
//      widened to 64 bits so that one instantiation of CUB's sort serves every dtype; sorted with
//      each element's flat index -> every element in value order, ties in index order;
//   2. with more than one line, the flat indices in that order sorted again, stably, by their line
//      (index / n; only the bits that a line number needs) -> lines in order, each sorted;
//   order (count, n) = flat index % n.
// Scratch (keys, indices, CUB's temporary storage) comes from the caching allocator.
// search_sorted: one thread per value, each a binary search (core/search_formula.h).
#include <algorithm>
#include <cub/device/device_radix_sort.cuh>
#include <utility>

#include "core/sort_keys.h"
#include "core/storage.h"
#include "cuda/sort.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

using Key = uint64_t;  // every dtype's key, widened: the order of keys of one width is kept

template <typename T>
struct KeyAndIndex {  // one thread per element
  const T* values;
  bool descending;
  Key* keys;
  int64_t* index;
  __device__ void operator()(int64_t i) const {
    keys[i] = Key(sort_key(values[i], descending));
    index[i] = i;
  }
};

struct LineOfIndex {  // keys[i] = index[i] / n: the line element index[i] is in
  const int64_t* index;
  int64_t n;
  Key* keys;
  __device__ void operator()(int64_t i) const { keys[i] = Key(index[i] / n); }
};

struct PositionInLine {  // order[i] = index[i] % n
  const int64_t* index;
  int64_t n;
  int64_t* order;
  __device__ void operator()(int64_t i) const { order[i] = index[i] % n; }
};

template <typename T>
struct SearchValue {  // one thread per value
  const T* sequence;
  const int64_t* order;
  const T* values;
  SearchShape s;
  bool right;
  int64_t* position;
  __device__ void operator()(int64_t i) const {
    const int64_t line = i / s.per_line;
    position[i] = search_line(sequence + line * s.m, order ? order + line * s.m : nullptr, s.m, values[i], right);
  }
};

void check_cub(cudaError_t status) {
  CR_CHECK(status == cudaSuccess, RuntimeError, "sort: the CUDA radix sort failed: ", cudaGetErrorString(status));
}

// Sorts (keys_in, values_in) of `total` pairs by the keys' bits [0, end_bit), stably, into
// (keys_out, values_out).
void radix_sort_pairs(Device device, const Key* keys_in, Key* keys_out, const int64_t* values_in, int64_t* values_out,
                      int64_t total, int end_bit) {
#if CUB_VERSION < 300000  // CUB before CCCL 3 (CUDA 12) may count items in an int
  CR_CHECK(total <= INT32_MAX, RuntimeError, "sort: ", total, " elements need CUDA 13's CUB (at most 2^31 - 1 here)");
#endif
  size_t temp_bytes = 0;
  auto sort = [&](void* temp) {
    check_cub(cub::DeviceRadixSort::SortPairs(temp, temp_bytes, keys_in, keys_out, values_in, values_out, total, 0,
                                              end_bit));
  };
  sort(nullptr);  // asks for temp_bytes
  auto temp = Storage::allocate(std::max<size_t>(temp_bytes, 1), device, "sort");
  sort(temp->data());
}

// The bits a line number below count needs.
int line_bits(int64_t count) {
  int bits = 1;
  while (bits < 63 && (int64_t{1} << bits) < count) ++bits;
  return bits;
}

template <typename T>
void sort_typed(Device device, const T* values, int64_t count, int64_t n, bool descending, int64_t* order) {
  const int64_t total = count * n;
  auto keys = Storage::allocate(2 * total * sizeof(Key), device, "sort");
  auto indices = Storage::allocate(2 * total * sizeof(int64_t), device, "sort");
  Key* key_a = static_cast<Key*>(keys->data());
  Key* key_b = key_a + total;
  int64_t* index_a = static_cast<int64_t*>(indices->data());
  int64_t* index_b = index_a + total;
  launch_indexed("sort", total, KeyAndIndex<T>{values, descending, key_a, index_a});
  const int key_bits = 8 * sizeof(typename SortKeyType<T>::type);  // the widened keys' upper bits are 0
  radix_sort_pairs(device, key_a, key_b, index_a, index_b, total, key_bits);  // value order
  if (count > 1) {
    launch_indexed("sort", total, LineOfIndex{index_b, n, key_a});
    radix_sort_pairs(device, key_a, key_b, index_b, index_a, total, line_bits(count));  // lines, stably
    std::swap(index_a, index_b);
  }
  launch_indexed("sort", total, PositionInLine{index_b, n, order});
}

}  // namespace

void sort_lines(DType dtype, Device device, const void* values, int64_t count, int64_t n, bool descending,
                int64_t* order) {
  if (count * n == 0) return;
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    sort_typed<T>(device, static_cast<const T*>(values), count, n, descending, order);
  });
}

void search_sorted(DType dtype, const void* sequence, const int64_t* order, const void* values, const SearchShape& s,
                   bool right, int64_t* position) {
  with_dtype(dtype, [&](auto t) {
    using T = decltype(t);
    launch_indexed("searchsorted", s.count,
                   SearchValue<T>{static_cast<const T*>(sequence), order, static_cast<const T*>(values), s, right,
                                  position});
  });
}

}  // namespace cr::cuda
