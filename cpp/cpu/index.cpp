// The advanced-indexing and nonzero kernels declared in cpu/index.h. Reads split the result's rows
// across threads (a tight gather when each index picks one element); writes give each thread whole
// (p, q) columns and walk the indices in order, so duplicates resolve without races. nonzero writes
// every element's coordinates into the next free row, which only advances past true elements (no
// branch to mispredict), skipping runs of 8 false elements whole.
#include "cpu/index.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "core/dtype.h"  // CR_SMALL_INTEGER_TYPES
#include "core/shape.h"  // kMaxDims
#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

template <typename T>
inline void copy_row(T* dst, int64_t dst_stride, const T* src, int64_t src_stride, int64_t n) {
  if (dst_stride == 1 && src_stride == 1) {
    std::copy(src, src + n, dst);
  } else {
    for (int64_t j = 0; j < n; ++j) dst[j * dst_stride] = src[j * src_stride];
  }
}

}  // namespace

template <typename T>
void index_read(const T* src, const AdvancedOffsets& o, T* dst) {
  const int64_t n = o.inner_size, qn = o.post_count, bn = o.index_count, rows = o.rows();
  // dst is (rows, n).
  auto run = [&](int64_t begin, int64_t end) {
    int64_t q = begin % qn, b = (begin / qn) % bn, p = begin / (qn * bn);
    int64_t r = begin;
    while (r < end) {  // rows (p, b, q) in row-major order
      const T* base = src + o.pre[p];
      if (n == 1 && qn == 1) {  // one element per index: a tight gather over b
        const int64_t stop = std::min(end, r + (bn - b));
        const T* from = base + o.post[0];
        const int64_t* offsets = o.index;
        for (; r < stop; ++r, ++b) dst[r] = from[offsets[b]];
      } else {
        copy_row(dst + r * n, 1, base + o.index[b] + o.post[q], o.inner_stride, n);
        ++r;
        if (++q < qn) continue;
        q = 0;
        ++b;
      }
      if (b == bn) b = 0, ++p;
    }
  };
  if (should_parallelize(rows * n)) {
    parallel_for(0, rows, std::max<int64_t>(1, kMinChunk / n), run);
  } else {
    run(0, rows);
  }
}

template <typename T>
void index_write(T* dst, const AdvancedOffsets& o, const T* val, bool broadcast_value, bool accumulate) {
  const int64_t n = o.inner_size, qn = o.post_count, bn = o.index_count, s = o.inner_stride;
  const int64_t outer = o.pre_count * qn;
  auto run = [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      const int64_t p = c / qn, q = c % qn;
      for (int64_t b = 0; b < bn; ++b) {
        T* d = dst + o.pre[p] + o.index[b] + o.post[q];
        const T* x = broadcast_value ? val : val + ((p * bn + b) * qn + q) * n;
        const int64_t xs = broadcast_value ? 0 : 1;
        if constexpr (!std::is_same_v<T, bool>) {
          if (accumulate) {
            for (int64_t j = 0; j < n; ++j) d[j * s] += x[j * xs];
            continue;
          }
        }
        copy_row(d, s, x, xs, n);
      }
    }
  };
  if (should_parallelize(o.rows() * n)) {
    parallel_for(0, outer, std::max<int64_t>(1, kMinChunk / (n * bn)), run);
  } else {
    run(0, outer);
  }
}

namespace {

// visit(j) for every j in [0, n) where m[j] may be true: runs of 8 false elements (one zero word)
// are skipped whole, so a mostly-false mask costs a read of it, not a write per element.
template <typename Visit>
void visit_maybe_true(const bool* m, int64_t n, Visit visit) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) {
    uint64_t word;
    std::memcpy(&word, m + j, sizeof(word));
    if (word == 0) continue;
    for (int64_t k = j; k < j + 8; ++k) visit(k);
  }
  for (; j < n; ++j) visit(j);
}

}  // namespace

void nonzero_rows(const bool* m, const int64_t* sizes_in, int64_t nd, int64_t* o) {
  int64_t sizes[kMaxDims] = {0}, n = 1;  // a local copy: the writes to o cannot change it
  for (int64_t d = 0; d < nd; ++d) n *= sizes[d] = sizes_in[d];
  const int64_t last = sizes[nd - 1];
  int64_t idx[kMaxDims] = {0};
  for (int64_t i = 0; i < n; i += last) {  // one innermost row at a time
    visit_maybe_true(m + i, last, [&](int64_t j) {
      idx[nd - 1] = j;
      std::copy(idx, idx + nd, o);
      o += nd * m[i + j];
    });
    for (int64_t d = nd - 2; d >= 0; --d) {  // odometer over the outer dims
      if (++idx[d] < sizes[d]) break;
      idx[d] = 0;
    }
  }
}

void nonzero_flat(const bool* m, int64_t n, int64_t* o) {
  int64_t k = 0;
  visit_maybe_true(m, n, [&](int64_t i) {
    o[k] = i;
    k += m[i];
  });
}

#define CR_INDEX_INSTANTIATE(T)                                                   \
  template void index_read<T>(const T*, const AdvancedOffsets&, T*);              \
  template void index_write<T>(T*, const AdvancedOffsets&, const T*, bool, bool);
CR_INDEX_INSTANTIATE(float)
CR_INDEX_INSTANTIATE(double)
CR_INDEX_INSTANTIATE(int64_t)
CR_SMALL_INTEGER_TYPES(CR_INDEX_INSTANTIATE)
CR_INDEX_INSTANTIATE(bool)
#undef CR_INDEX_INSTANTIATE

}  // namespace cr::cpu
