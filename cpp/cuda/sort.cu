// sort_lines on a GPU (cuda/sort.h): each value becomes an unsigned key that orders as PyTorch
// sorts (core/sort_keys.h), widened to 64 bits so that one instantiation of CUB's sort serves every
// dtype (it is the slowest file of the build to compile), each line a segment, and CUB's stable
// segmented sort carries each element's position in its line along with its key:
//   keys (count * n), positions (count * n) = i % n, offsets (count + 1) = line * n
//   -> StableSortPairs -> order (count, n): the positions in sorted order.
// Scratch (keys, positions, offsets, CUB's temporary storage) comes from the caching allocator.
// search_sorted: one thread per value, each a binary search (core/search_formula.h).
#include <algorithm>
#include <cub/device/device_segmented_sort.cuh>

#include "core/sort_keys.h"
#include "core/storage.h"
#include "cuda/sort.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

using Key = uint64_t;  // every dtype's key, widened: the order of keys of one width is kept

template <typename T>
struct KeyAndPosition {  // one thread per element
  const T* values;
  bool descending;
  int64_t n;
  Key* keys;
  int64_t* positions;
  __device__ void operator()(int64_t i) const {
    keys[i] = Key(sort_key(values[i], descending));
    positions[i] = i % n;
  }
};

struct LineOffset {  // offsets[line] = line * n, for count + 1 lines
  int64_t n;
  int64_t* offsets;
  __device__ void operator()(int64_t line) const { offsets[line] = line * n; }
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
  CR_CHECK(status == cudaSuccess, RuntimeError, "sort: the CUDA segmented sort failed: ", cudaGetErrorString(status));
}

// The keys of values (count, n) -> order (count, n), stably by key within each line.
void sort_keys(Device device, const Key* keys_in, Key* keys_out, const int64_t* positions, int64_t count, int64_t n,
               int64_t* order) {
  const int64_t total = count * n;
  auto offsets = Storage::allocate((count + 1) * sizeof(int64_t), device, "sort");
  int64_t* line_offsets = static_cast<int64_t*>(offsets->data());
  launch_indexed("sort", count + 1, LineOffset{n, line_offsets});
  size_t temp_bytes = 0;
  auto sort = [&](void* temp) {
    check_cub(cub::DeviceSegmentedSort::StableSortPairs(temp, temp_bytes, keys_in, keys_out, positions, order, total,
                                                        count, line_offsets, line_offsets + 1));
  };
  sort(nullptr);  // asks for temp_bytes
  auto temp = Storage::allocate(std::max<size_t>(temp_bytes, 1), device, "sort");
  sort(temp->data());
}

template <typename T>
void sort_typed(Device device, const T* values, int64_t count, int64_t n, bool descending, int64_t* order) {
  const int64_t total = count * n;
  auto keys = Storage::allocate(2 * total * sizeof(Key), device, "sort");
  auto positions = Storage::allocate(total * sizeof(int64_t), device, "sort");
  Key* keys_in = static_cast<Key*>(keys->data());
  auto* line_positions = static_cast<int64_t*>(positions->data());
  launch_indexed("sort", total, KeyAndPosition<T>{values, descending, n, keys_in, line_positions});
  sort_keys(device, keys_in, keys_in + total, line_positions, count, n, order);
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
