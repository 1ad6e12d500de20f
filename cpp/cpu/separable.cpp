// The separable-map kernel declared in cpu/separable.h. Each plane runs two passes: along the
// width, tmp (H, Wo) = x (H, W) * C^T, then along the height, out (Ho, Wo) = R * tmp, the second
// pass adding whole rows of tmp so that it vectorizes; the first pass handles the run of outputs
// with identical shifted taps (away from the borders) a tap at a time, which vectorizes too.
// Planes are split across threads.
#include "cpu/separable.h"

#include <algorithm>
#include <optional>

namespace cr::cpu {

AxisMap AxisMap::transposed() const {
  AxisMap t(out_size);
  std::vector<int64_t> count(in_size + 1, 0);
  for (int64_t i : index) ++count[i + 1];
  t.start.assign(in_size + 1, 0);
  for (int64_t i = 0; i < in_size; ++i) t.start[i + 1] = t.start[i] + count[i + 1];
  t.out_size = in_size;
  t.index.resize(index.size());
  t.weight.resize(weight.size());
  std::vector<int64_t> next(t.start.begin(), t.start.end() - 1);
  for (int64_t o = 0; o < out_size; ++o) {
    for (int64_t k = start[o]; k < start[o + 1]; ++k) {
      const int64_t at = next[index[k]]++;
      t.index[at] = o;
      t.weight[at] = weight[k];
    }
  }
  return t;
}

namespace {

// Outputs [begin, end) of an AxisMap that read the same taps (same count and weights), shifted by
// `stride` inputs per output: pooling windows away from the borders, padding's copied middle.
struct UniformRun {
  int64_t begin = 0, end = 0, stride = 0;
};

// The run around the middle output, or an empty one when it would be short.
UniformRun find_uniform_run(const AxisMap& m) {
  UniformRun run;
  if (m.out_size < 2) return run;
  const int64_t mid = m.out_size / 2;
  const int64_t taps = m.start[mid + 1] - m.start[mid];
  const int64_t stride = taps > 0 ? m.index[m.start[mid]] - m.index[m.start[mid - 1]] : 0;
  auto matches = [&](int64_t j) {  // output j reads mid's taps shifted by (j - mid) * stride
    if (m.start[j + 1] - m.start[j] != taps) return false;
    for (int64_t t = 0; t < taps; ++t) {
      const int64_t a = m.start[j] + t, b = m.start[mid] + t;
      if (m.weight[a] != m.weight[b] || m.index[a] != m.index[b] + (j - mid) * stride) return false;
    }
    return true;
  };
  if (taps == 0 || stride <= 0 || !matches(mid - 1)) return run;
  int64_t begin = mid - 1, end = mid + 1;
  while (begin > 0 && matches(begin - 1)) --begin;
  while (end < m.out_size && matches(end)) ++end;
  if (end - begin >= 4) run = UniformRun{begin, end, stride};
  return run;
}

// An AxisMap's weights in the kernel's scalar type, and its uniform run.
template <typename T>
struct Taps {
  const AxisMap& map;
  std::vector<T> weight;
  UniformRun run;
  explicit Taps(const AxisMap& m) : map(m), weight(m.weight.begin(), m.weight.end()), run(find_uniform_run(m)) {}
};

// tmp[j] = sum of the taps of outputs [b, e) of `cols` over one row xr.
template <typename T>
void cols_generic(const T* xr, T* tr, int64_t b, int64_t e, const Taps<T>& cols) {
  const int64_t* start = cols.map.start.data();
  const int64_t* index = cols.map.index.data();
  for (int64_t j = b; j < e; ++j) {
    T acc = 0;
    for (int64_t k = start[j]; k < start[j + 1]; ++k) acc += cols.weight[k] * xr[index[k]];
    tr[j] = acc;
  }
}

// The same over the uniform run, a tap at a time across all its outputs (vectorizes).
template <typename T>
void cols_uniform(const T* xr, T* tr, const Taps<T>& cols) {
  const UniformRun& u = cols.run;
  const int64_t first = cols.map.start[u.begin], taps = cols.map.start[u.begin + 1] - first, n = u.end - u.begin;
  T* out = tr + u.begin;
  std::fill(out, out + n, T(0));
  for (int64_t t = 0; t < taps; ++t) {
    const T wt = cols.weight[first + t];
    const T* src = xr + cols.map.index[first + t];
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) out[k] += wt * src[k * u.stride];
  }
}

// tmp (h, wo) = x (h, w) * C^T.
template <typename T>
void apply_cols(const T* x, T* tmp, int64_t h, int64_t w, const Taps<T>& cols) {
  const int64_t wo = cols.map.out_size;
  const UniformRun& u = cols.run;
  for (int64_t r = 0; r < h; ++r) {
    const T* xr = x + r * w;
    T* tr = tmp + r * wo;
    if (u.end == u.begin) {
      cols_generic(xr, tr, 0, wo, cols);
      continue;
    }
    cols_generic(xr, tr, 0, u.begin, cols);
    cols_uniform(xr, tr, cols);
    cols_generic(xr, tr, u.end, wo, cols);
  }
}

// out (ho, wo) = R * tmp (h, wo).
template <typename T>
void apply_rows(const T* tmp, T* out, int64_t wo, const Taps<T>& rows) {
  for (int64_t i = 0; i < rows.map.out_size; ++i) {
    T* oi = out + i * wo;
    std::fill(oi, oi + wo, T(0));
    for (int64_t k = rows.map.start[i]; k < rows.map.start[i + 1]; ++k) {
      const T wk = rows.weight[k];
      const T* tr = tmp + rows.map.index[k] * wo;
#pragma omp simd
      for (int64_t j = 0; j < wo; ++j) oi[j] += wk * tr[j];
    }
  }
}

}  // namespace

template <typename T>
void apply_separable(const T* x, const PlaneShape& s, const AxisMap* row_map, const AxisMap& col_map, T* out) {
  const Taps<T> cols(col_map);
  std::optional<Taps<T>> rows;
  if (row_map) rows.emplace(*row_map);
  const int64_t h = s.height, w = s.width, wo = col_map.out_size, ho = row_map ? row_map->out_size : h;
  const int64_t plane_work = h * w + h * wo + ho * wo + 1;
  for_planes(s.planes, plane_work, [&](int64_t b, int64_t e) {
    std::vector<T> tmp(row_map ? h * wo : 0);
    for (int64_t p = b; p < e; ++p) {
      const T* xp = x + p * h * w;
      T* op = out + p * ho * wo;
      if (!row_map) {
        apply_cols(xp, op, h, w, cols);
        continue;
      }
      apply_cols(xp, tmp.data(), h, w, cols);
      apply_rows(tmp.data(), op, wo, *rows);
    }
  });
}

template void apply_separable<float>(const float*, const PlaneShape&, const AxisMap*, const AxisMap&, float*);
template void apply_separable<double>(const double*, const PlaneShape&, const AxisMap*, const AxisMap&, double*);

}  // namespace cr::cpu
