// cumsum on a GPU (cuda/cumsum.h). The buffer (outer, n, inner) holds outer * inner lines of n
// elements, inner apart. Two ways, both on core/cumsum_formula.h's running_sum:
//   many lines: one thread per line runs down it serially, adding in the CPU's order, so the sums
//     are the CPU's;
//   few long lines (too few threads, each with too long a walk): each line in chunks of kChunk,
//     a thread per chunk, in three launches: each chunk's total; per line, the exclusive running
//     sum of its chunks' totals (one thread per line); each chunk's running sum started from its
//     line's total before it. Float32 adds in double on this path, so results differ from the
//     serial order only by rounding (as PyTorch's GPU cumsum differs from its CPU one).
#include <algorithm>

#include "core/storage.h"
#include "cuda/cumsum.h"
#include "cuda/strided_launch.cuh"

namespace cr::cuda {

namespace {

constexpr int64_t kChunk = 1024;          // elements a thread sums on the chunked path
constexpr int64_t kFewLines = 4096;       // fewer lines than this ...
constexpr int64_t kLongLine = 8 * kChunk;  // ... this long take the chunked path

// The first element of line l of the (outer, n, inner) buffer.
template <typename T>
__device__ T* line_start(T* data, const CumsumShape& s, int64_t l) {
  return data + (l / s.inner) * s.n * s.inner + l % s.inner;
}

template <typename T>
struct CumsumLine {  // one thread per line
  T* data;
  CumsumShape s;
  __device__ void operator()(int64_t l) const {
    T* first = line_start(data, s, l);
    if (s.inner == 1) {
      running_sum<CumsumAccumulator<T>>(first, s.n, 1);
    } else {
      running_sum<T>(first, s.n, s.inner);
    }
  }
};

// Chunk c of line l: its first element and length, for thread i = l * chunks + c.
struct Chunks {
  CumsumShape s;
  int64_t per_line;
  template <typename T>
  __device__ T* first(T* data, int64_t i, int64_t& length) const {
    const int64_t c = i % per_line;
    length = s.n - c * kChunk < kChunk ? s.n - c * kChunk : kChunk;
    return line_start(data, s, i / per_line) + c * kChunk * s.inner;
  }
};

template <typename T, typename Acc>
struct ChunkTotal {  // totals[i] = the sum of chunk i
  const T* data;
  Chunks chunks;
  Acc* totals;
  __device__ void operator()(int64_t i) const {
    int64_t length = 0;
    const T* x = chunks.first(data, i, length);
    Acc total = 0;
    for (int64_t k = 0; k < length; ++k) total += x[k * chunks.s.inner];
    totals[i] = total;
  }
};

template <typename Acc>
struct TotalsBefore {  // per line: each chunk's total replaced by the sum of the chunks before it
  Acc* totals;
  int64_t per_line;
  __device__ void operator()(int64_t l) const {
    Acc before = 0;
    for (int64_t c = l * per_line; c < (l + 1) * per_line; ++c) {
      const Acc own = totals[c];
      totals[c] = before;
      before += own;
    }
  }
};

template <typename T, typename Acc>
struct ChunkRunningSum {  // chunk i's running sum, started from the total before it
  T* data;
  Chunks chunks;
  const Acc* before;
  __device__ void operator()(int64_t i) const {
    int64_t length = 0;
    T* x = chunks.first(data, i, length);
    running_sum<Acc>(x, length, chunks.s.inner, before[i]);
  }
};

}  // namespace

template <typename T>
void cumsum_in_place(Device device, T* data, const CumsumShape& s) {
  const int64_t lines = s.outer * s.inner;
  if (lines >= kFewLines || s.n < kLongLine) return launch_indexed("cumsum", lines, CumsumLine<T>{data, s});
  using Acc = CumsumAccumulator<T>;
  const Chunks chunks{s, (s.n + kChunk - 1) / kChunk};
  const int64_t count = lines * chunks.per_line;
  auto scratch = Storage::allocate(count * sizeof(Acc), device, "cumsum");
  Acc* totals = static_cast<Acc*>(scratch->data());
  launch_indexed("cumsum", count, ChunkTotal<T, Acc>{data, chunks, totals});
  launch_indexed("cumsum", lines, TotalsBefore<Acc>{totals, chunks.per_line});
  launch_indexed("cumsum", count, ChunkRunningSum<T, Acc>{data, chunks, totals});
}

template void cumsum_in_place<float>(Device, float*, const CumsumShape&);
template void cumsum_in_place<double>(Device, double*, const CumsumShape&);
template void cumsum_in_place<int64_t>(Device, int64_t*, const CumsumShape&);

}  // namespace cr::cuda
