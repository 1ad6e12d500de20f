// The tiled transpose copy declared in cpu/transposed_copy.h.
#include "cpu/transposed_copy.h"

#include <algorithm>
#include <cstring>

#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

constexpr int64_t kTile = 16;  // 16 x 16: 2048^2 float32 t().contiguous() in 5.9 ms (32: 12.6, 64: 14.2)

// dst[i, j] = src[i, j] over an (rows, cols) tile: dst contiguous along i, src along j.
template <typename T>
void copy_tile(char* dst, int64_t dst_j, const char* src, int64_t src_i, int64_t rows, int64_t cols) {
  for (int64_t j = 0; j < cols; ++j) {
    T* d = reinterpret_cast<T*>(dst + j * dst_j);
    const char* s = src + j * static_cast<int64_t>(sizeof(T));
    for (int64_t i = 0; i < rows; ++i) d[i] = *reinterpret_cast<const T*>(s + i * src_i);
  }
}

template <typename T>
void copy_tiles(const StridedPlan<2>& p, int inner, int other) {
  // i: dst's contiguous dim (inner), j: src's (other); every remaining dim is an outer loop.
  const int64_t rows = p.sizes[inner], cols = p.sizes[other];
  const int64_t dst_j = p.strides[0][other], src_i = p.strides[1][inner];
  const int64_t row_tiles = (rows + kTile - 1) / kTile, col_tiles = (cols + kTile - 1) / kTile;
  const int64_t outer = p.numel / (rows * cols), tiles = outer * row_tiles * col_tiles;
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      int64_t o = t / (row_tiles * col_tiles);
      const int64_t ti = (t / col_tiles) % row_tiles * kTile, tj = t % col_tiles * kTile;
      char* dst = p.base[0];
      const char* src = p.base[1];
      for (int d = p.ndim - 1; d >= 0; --d) {  // the outer index o, odometer-decoded
        if (d == inner || d == other) continue;
        const int64_t k = o % p.sizes[d];
        o /= p.sizes[d];
        dst += k * p.strides[0][d];
        src += k * p.strides[1][d];
      }
      dst += ti * static_cast<int64_t>(sizeof(T)) + tj * dst_j;
      src += ti * src_i + tj * static_cast<int64_t>(sizeof(T));
      copy_tile<T>(dst, dst_j, src, src_i, std::min(kTile, rows - ti), std::min(kTile, cols - tj));
    }
  };
  if (should_parallelize(p.numel)) {
    parallel_for(0, tiles, std::max<int64_t>(1, kMinChunk / (kTile * kTile)), run);
  } else {
    run(0, tiles);
  }
}

}  // namespace

bool copy_transposed(const StridedPlan<2>& p) {
  const int inner = p.ndim - 1;
  const int64_t item = p.strides[0][inner];
  if (p.ndim < 2 || p.sizes[inner] < kTile || p.strides[1][inner] == item) return false;
  int other = -1;
  for (int d = 0; d < inner; ++d) {
    if (p.strides[1][d] == item && p.sizes[d] >= kTile) other = d;
  }
  if (other < 0) return false;
  switch (item) {
    case 1: copy_tiles<uint8_t>(p, inner, other); return true;
    case 2: copy_tiles<uint16_t>(p, inner, other); return true;
    case 4: copy_tiles<uint32_t>(p, inner, other); return true;
    case 8: copy_tiles<uint64_t>(p, inner, other); return true;
    default: return false;
  }
}

}  // namespace cr::cpu
