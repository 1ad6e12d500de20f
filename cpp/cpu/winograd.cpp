// Winograd F(2x2, 3x3) convolution kernels (see winograd.h). With d a 4x4 input patch, g a 3x3
// kernel and Y the 2x2 output tile that d covers,
//   Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A,
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// Summed over input channels, each of the 16 entries of the element-wise product is a GEMM over a
// block of tiles: M[e] (out, tiles) = U[e] (out, in) @ V[e] (in, tiles), with U the transformed
// kernels and V the transformed patches; A^T M A then gives the output tiles. The input gradient
// is the same kind of correlation, of gy with the kernels flipped and transposed; the weight
// gradient is the adjoint: dU[e] += dM[e] @ V[e]^T with dM = A dY A^T, then dW = G^T dU G.
// Blocks of whole tile rows, sized to stay in L2, run in parallel with BLAS on one thread each.
#include "cpu/winograd.h"

#include <algorithm>
#include <vector>

#include "cpu/blas.h"
#include "cpu/gemm.h"
#include "cpu/parallel.h"
#include "cpu/scratch.h"

namespace cr::cpu {

namespace {

constexpr int64_t kEntries = 16;  // of a transformed 4x4 tile, entry e = 4 * row + column

// A stride-1 3x3 correlation of `in` planes (H, W) into `out` planes (OH, OW): output (i, j) reads
// input rows i - top .. i - top + 2 and columns j - left .. j - left + 2, zero outside the plane.
// Tiles are 2x2 blocks of outputs; tile rows are numbered across the batch, sample by sample.
struct Tiling {
  int64_t batch, in_channels, out_channels, groups;
  int64_t height, width, out_height, out_width, top, left;

  int64_t group_in() const { return in_channels / groups; }
  int64_t group_out() const { return out_channels / groups; }
  int64_t rows_per_sample() const { return (out_height + 1) / 2; }
  int64_t rows() const { return batch * rows_per_sample(); }
  int64_t cols() const { return (out_width + 1) / 2; }  // tiles per tile row
  int64_t padded_width() const { return 2 * cols() + 2; }  // input columns a tile row reads
};

// The convolution x -> y, and its input gradient gy -> gx: a correlation of gy with the flipped
// kernels whose output (i, j) reads gy from row i + pad - 2 (a 3x3 kernel's full correlation).
Tiling forward_tiling(const ConvShape& s) {
  const Window2d& w = s.window;
  return {s.batch, s.in_channels,  s.out_channels, s.groups, w.height, w.width,
          w.out_height, w.out_width, w.pad_h, w.pad_w};
}
Tiling input_grad_tiling(const ConvShape& s) {
  const Window2d& w = s.window;
  return {s.batch, s.out_channels, s.in_channels, s.groups, w.out_height, w.out_width,
          w.height, w.width, 2 - w.pad_h, 2 - w.pad_w};
}

template <typename T>
struct Two {
  T v0, v1;
};
template <typename T>
struct Three {
  T v0, v1, v2;
};
template <typename T>
struct Four {
  T v0, v1, v2, v3;
};

// The 1-D transforms; the 2-D ones apply them along rows, then along columns.
template <typename T>
Four<T> input_transform(T d0, T d1, T d2, T d3) {  // B^T d
  return {d0 - d2, d1 + d2, d2 - d1, d1 - d3};
}
template <typename T>
Two<T> output_transform(T m0, T m1, T m2, T m3) {  // A^T m
  return {m0 + m1 + m2, m1 - m2 - m3};
}
template <typename T>
Four<T> output_grad_transform(T y0, T y1) {  // A y, the adjoint of A^T
  return {y0, y0 + y1, y0 - y1, -y1};
}
template <typename T>
Four<T> kernel_transform(T g0, T g1, T g2) {  // G g
  return {g0, (g0 + g1 + g2) / 2, (g0 - g1 + g2) / 2, g2};
}
template <typename T>
Three<T> kernel_grad_transform(T u0, T u1, T u2, T u3) {  // G^T u, the adjoint of G
  return {u0 + (u1 + u2) / 2, (u1 - u2) / 2, (u1 + u2) / 2 + u3};
}

// dst[p] = element (row, p - left) of a (height, width) plane for p < n, zero outside the plane.
// Plain loops: the rows are short, and a memmove call per row cost more than the copy.
template <typename T>
void padded_row(const T* plane, int64_t height, int64_t width, int64_t row, int64_t left, int64_t n, T* dst) {
  const bool inside = row >= 0 && row < height;
  const int64_t lo = inside ? std::clamp<int64_t>(left, 0, n) : n;
  const int64_t hi = inside ? std::clamp<int64_t>(left + width, lo, n) : n;
  const T* src = plane + (inside ? row * width : 0);
  for (int64_t p = 0; p < lo; ++p) dst[p] = T(0);
#pragma omp simd
  for (int64_t p = lo; p < hi; ++p) dst[p] = src[p - left];
  for (int64_t p = hi; p < n; ++p) dst[p] = T(0);
}

// B^T d B of the 4x4 patch d whose rows are d0..d3 from column p on; entry e goes to out[e * entry + j].
template <typename T>
inline void transform_patch(const T* d0, const T* d1, const T* d2, const T* d3, int64_t p, T* out, int64_t entry,
                            int64_t j) {
  const Four<T> e0 = input_transform(d0[p], d0[p + 1], d0[p + 2], d0[p + 3]);  // along each row
  const Four<T> e1 = input_transform(d1[p], d1[p + 1], d1[p + 2], d1[p + 3]);
  const Four<T> e2 = input_transform(d2[p], d2[p + 1], d2[p + 2], d2[p + 3]);
  const Four<T> e3 = input_transform(d3[p], d3[p + 1], d3[p + 2], d3[p + 3]);
  const Four<T> c0 = input_transform(e0.v0, e1.v0, e2.v0, e3.v0);  // down column 0: entries 0, 4, 8, 12
  const Four<T> c1 = input_transform(e0.v1, e1.v1, e2.v1, e3.v1);
  const Four<T> c2 = input_transform(e0.v2, e1.v2, e2.v2, e3.v2);
  const Four<T> c3 = input_transform(e0.v3, e1.v3, e2.v3, e3.v3);
  out[0 * entry + j] = c0.v0, out[1 * entry + j] = c1.v0, out[2 * entry + j] = c2.v0, out[3 * entry + j] = c3.v0;
  out[4 * entry + j] = c0.v1, out[5 * entry + j] = c1.v1, out[6 * entry + j] = c2.v1, out[7 * entry + j] = c3.v1;
  out[8 * entry + j] = c0.v2, out[9 * entry + j] = c1.v2, out[10 * entry + j] = c2.v2, out[11 * entry + j] = c3.v2;
  out[12 * entry + j] = c0.v3, out[13 * entry + j] = c1.v3, out[14 * entry + j] = c2.v3, out[15 * entry + j] = c3.v3;
}

// V (16, in_channels, tiles) for tile rows [r0, r1): B^T d B of every tile's 4x4 input patch d,
// entry e of tile j at v[(e * in_channels + c) * tiles + j]. For each channel and run of tile rows
// within one sample, the input rows they read are first copied, zero-padded, into `rows`
// (scratch of (2 * (r1 - r0) + 2) * t.padded_width()), so each row is copied once and the tile loop
// has no edge cases.
template <typename T>
void transform_patches(const T* x, const Tiling& t, int64_t r0, int64_t r1, T* v, T* rows) {
  const int64_t cols = t.cols(), span = t.padded_width(), tiles = (r1 - r0) * cols, entry = t.in_channels * tiles;
  for (int64_t run = r0; run < r1;) {
    const int64_t n = run / t.rows_per_sample(), run_end = std::min(r1, (n + 1) * t.rows_per_sample());
    const int64_t first_row = 2 * (run % t.rows_per_sample()) - t.top, row_count = 2 * (run_end - run) + 2;
    for (int64_t c = 0; c < t.in_channels; ++c) {
      const T* plane = x + (n * t.in_channels + c) * t.height * t.width;
      for (int64_t q = 0; q < row_count; ++q) {
        padded_row(plane, t.height, t.width, first_row + q, t.left, span, rows + q * span);
      }
      for (int64_t r = run; r < run_end; ++r) {
        const T* d0 = rows + 2 * (r - run) * span;
        const T *d1 = d0 + span, *d2 = d1 + span, *d3 = d2 + span;
        T* out = v + c * tiles + (r - r0) * cols;
#pragma omp simd
        for (int64_t j = 0; j < cols; ++j) transform_patch(d0, d1, d2, d3, 2 * j, out, entry, j);
      }
    }
    run = run_end;
  }
}

// The output tiles of rows [r0, r1) from the products M (16, out_channels, tiles): A^T m A, plus
// bias[k] when bias is given. Tile rows whose tiles all lie inside (OH, OW) are written in place;
// the others go through `rows` (scratch of 4 * cols) and keep their part inside. Returns whether
// any tile came out NaN (see the note above winograd_forward).
template <typename T>
bool transform_products(const T* m, const T* bias, const Tiling& t, int64_t r0, int64_t r1, T* y, T* rows) {
  const int64_t cols = t.cols(), tiles = (r1 - r0) * cols, entry = t.out_channels * tiles;
  int nan_found = 0;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / t.rows_per_sample(), i0 = 2 * (r % t.rows_per_sample());
    const bool whole = i0 + 1 < t.out_height && t.out_width == 2 * cols;
    for (int64_t k = 0; k < t.out_channels; ++k) {
      const T* in = m + k * tiles + (r - r0) * cols;
      const T b = bias != nullptr ? bias[k] : T(0);
      T* dst = y + ((n * t.out_channels + k) * t.out_height + i0) * t.out_width;
      T* upper = whole ? dst : rows;  // the tile row's two output rows
      T* lower = whole ? dst + t.out_width : rows + 2 * cols;
#pragma omp simd reduction(| : nan_found)
      for (int64_t j = 0; j < cols; ++j) {
        const Two<T> s0 = output_transform(in[0 * entry + j], in[4 * entry + j], in[8 * entry + j], in[12 * entry + j]);
        const Two<T> s1 = output_transform(in[1 * entry + j], in[5 * entry + j], in[9 * entry + j], in[13 * entry + j]);
        const Two<T> s2 = output_transform(in[2 * entry + j], in[6 * entry + j], in[10 * entry + j], in[14 * entry + j]);
        const Two<T> s3 = output_transform(in[3 * entry + j], in[7 * entry + j], in[11 * entry + j], in[15 * entry + j]);
        const Two<T> y0 = output_transform(s0.v0, s1.v0, s2.v0, s3.v0);
        const Two<T> y1 = output_transform(s0.v1, s1.v1, s2.v1, s3.v1);
        upper[2 * j] = y0.v0 + b, upper[2 * j + 1] = y0.v1 + b;
        lower[2 * j] = y1.v0 + b, lower[2 * j + 1] = y1.v1 + b;
        nan_found |= (y0.v0 != y0.v0) | (y0.v1 != y0.v1) | (y1.v0 != y1.v0) | (y1.v1 != y1.v1);
      }
      if (whole) continue;
      std::copy(upper, upper + t.out_width, dst);
      if (i0 + 1 < t.out_height) std::copy(lower, lower + t.out_width, dst + t.out_width);
    }
  }
  return nan_found != 0;
}

// dM (16, out_channels, tiles) for tile rows [r0, r1): A dY A^T of every 2x2 tile dY of gy (zero
// past the plane's edge), the gradient of the output transform. Tile rows that lie inside the
// plane are read in place, the others through zero-padded copies in `rows` (4 * cols).
template <typename T>
void transform_output_grads(const T* gy, const Tiling& t, int64_t r0, int64_t r1, T* dm, T* rows) {
  const int64_t cols = t.cols(), tiles = (r1 - r0) * cols, entry = t.out_channels * tiles;
  const int64_t plane_size = t.out_height * t.out_width;
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t n = r / t.rows_per_sample(), i0 = 2 * (r % t.rows_per_sample());
    const bool whole = i0 + 1 < t.out_height && t.out_width == 2 * cols;
    for (int64_t k = 0; k < t.out_channels; ++k) {
      const T* plane = gy + (n * t.out_channels + k) * plane_size;
      const T *upper = plane + i0 * t.out_width, *lower = upper + t.out_width;
      if (!whole) {
        padded_row(plane, t.out_height, t.out_width, i0, 0, 2 * cols, rows);
        padded_row(plane, t.out_height, t.out_width, i0 + 1, 0, 2 * cols, rows + 2 * cols);
        upper = rows, lower = rows + 2 * cols;
      }
      T* out = dm + k * tiles + (r - r0) * cols;
#pragma omp simd
      for (int64_t j = 0; j < cols; ++j) {
        const Four<T> h0 = output_grad_transform(upper[2 * j], upper[2 * j + 1]);
        const Four<T> h1 = output_grad_transform(lower[2 * j], lower[2 * j + 1]);
        const Four<T> c0 = output_grad_transform(h0.v0, h1.v0);  // column 0: entries 0, 4, 8, 12
        const Four<T> c1 = output_grad_transform(h0.v1, h1.v1);
        const Four<T> c2 = output_grad_transform(h0.v2, h1.v2);
        const Four<T> c3 = output_grad_transform(h0.v3, h1.v3);
        // Written out, not through a helper shared with transform_patch: with one, GCC 12 left
        // this loop scalar for float (B's forward + backward 78 -> 110 ms).
        out[0 * entry + j] = c0.v0, out[1 * entry + j] = c1.v0, out[2 * entry + j] = c2.v0, out[3 * entry + j] = c3.v0;
        out[4 * entry + j] = c0.v1, out[5 * entry + j] = c1.v1, out[6 * entry + j] = c2.v1, out[7 * entry + j] = c3.v1;
        out[8 * entry + j] = c0.v2, out[9 * entry + j] = c1.v2, out[10 * entry + j] = c2.v2, out[11 * entry + j] = c3.v2;
        out[12 * entry + j] = c0.v3, out[13 * entry + j] = c1.v3, out[14 * entry + j] = c2.v3, out[15 * entry + j] = c3.v3;
      }
    }
  }
}

// U (groups, 16, group_out, group_in): G g G^T of every kernel g. Kernel (o, i) of group gr is
// w[gr * group_out + o][i] (w as (out, group_in, 3, 3)), or, when flipped, w[gr * group_in + i][o]
// rotated by 180 degrees (w as (in, group_out, 3, 3): the input gradient's kernels).
template <typename T>
std::vector<T> transform_kernels(const T* w, const Tiling& t, bool flipped) {
  const int64_t gin = t.group_in(), gout = t.group_out();
  std::vector<T> u(t.groups * kEntries * gout * gin);
  for (int64_t gr = 0; gr < t.groups; ++gr) {
    for (int64_t o = 0; o < gout; ++o) {
      for (int64_t i = 0; i < gin; ++i) {
        const T* src = flipped ? w + ((gr * gin + i) * gout + o) * 9 : w + ((gr * gout + o) * gin + i) * 9;
        T g[9];
        for (int a = 0; a < 9; ++a) g[a] = flipped ? src[8 - a] : src[a];
        Four<T> col[3];  // G applied down each kernel column
        for (int b = 0; b < 3; ++b) col[b] = kernel_transform(g[b], g[3 + b], g[6 + b]);
        const Four<T> rows[4] = {kernel_transform(col[0].v0, col[1].v0, col[2].v0),
                                 kernel_transform(col[0].v1, col[1].v1, col[2].v1),
                                 kernel_transform(col[0].v2, col[1].v2, col[2].v2),
                                 kernel_transform(col[0].v3, col[1].v3, col[2].v3)};
        T* dst = u.data() + (gr * kEntries * gout + o) * gin + i;  // entry e at dst[e * gout * gin]
        for (int a = 0; a < 4; ++a) {
          const T values[4] = {rows[a].v0, rows[a].v1, rows[a].v2, rows[a].v3};
          for (int b = 0; b < 4; ++b) dst[(4 * a + b) * gout * gin] = values[b];
        }
      }
    }
  }
  return u;
}

// gw (out_channels, group_in, 3, 3) = G^T du G for every kernel, du laid out as transform_kernels'
// unflipped U.
template <typename T>
void kernels_from_transformed(const T* du, const Tiling& t, T* gw) {
  const int64_t gin = t.group_in(), gout = t.group_out();
  for (int64_t gr = 0; gr < t.groups; ++gr) {
    for (int64_t o = 0; o < gout; ++o) {
      for (int64_t i = 0; i < gin; ++i) {
        const T* src = du + (gr * kEntries * gout + o) * gin + i;  // entry e at src[e * gout * gin]
        auto entry = [&](int e) { return src[e * gout * gin]; };
        Three<T> row[4];  // G^T applied along each transformed row
        for (int a = 0; a < 4; ++a) row[a] = kernel_grad_transform(entry(4 * a), entry(4 * a + 1), entry(4 * a + 2), entry(4 * a + 3));
        const Three<T> cols[3] = {kernel_grad_transform(row[0].v0, row[1].v0, row[2].v0, row[3].v0),
                                  kernel_grad_transform(row[0].v1, row[1].v1, row[2].v1, row[3].v1),
                                  kernel_grad_transform(row[0].v2, row[1].v2, row[2].v2, row[3].v2)};
        T* dst = gw + ((gr * gout + o) * gin + i) * 9;
        for (int b = 0; b < 3; ++b) dst[b] = cols[b].v0, dst[3 + b] = cols[b].v1, dst[6 + b] = cols[b].v2;
      }
    }
  }
}

// Tile rows per block: the block's transformed patches and products (16 * (in + out) values a
// tile) within half of a core's L2 here, so that the transforms and GEMMs of a block share cache.
// Each block also streams all the transformed kernels (16 * in * out / groups values) through
// the cache, so where those outgrow L2 (256 channels) the block grows with them, to half their
// size, for enough GEMM columns per pass; at least one tile row.
int64_t block_rows(const Tiling& t, int64_t element_size) {
  constexpr int64_t kL2Half = 1 << 19;
  const int64_t kernel_bytes = kEntries * t.group_in() * t.out_channels * element_size;
  const int64_t budget = std::max(kL2Half, kernel_bytes / 2);
  const int64_t row_bytes = kEntries * (t.in_channels + t.out_channels) * t.cols() * element_size;
  return std::max<int64_t>(1, budget / std::max<int64_t>(1, row_bytes));
}

// How many threads share the tile rows: one part per thread when the multiplies pay for waking them.
int64_t tile_parts(const Tiling& t) {
  const int64_t multiplies = t.rows() * t.cols() * kEntries * t.group_in() * t.out_channels;
  if (!should_parallelize(multiplies)) return 1;
  return std::min<int64_t>(get_num_threads(), t.rows());
}

// fn(r0, r1, part) for blocks of at most `block` tile rows; the rows split into `parts`
// contiguous ranges run in parallel.
template <typename Fn>
void for_tile_blocks(const Tiling& t, int64_t parts, int64_t block, const Fn& fn) {
  auto run = [&](int64_t part) {
    const int64_t begin = t.rows() * part / parts, end = t.rows() * (part + 1) / parts;
    for (int64_t r = begin; r < end; r += block) fn(r, std::min(end, r + block), part);
  };
  if (parts <= 1) return run(0);
  run_parts(parts, run);
}

// A block's work arrays, carved from this thread's scratch: the transformed patches (16, in,
// tiles), the products or output gradients (16, out, tiles), and rows for transform_patches
// (enough for the others' row scratch too).
template <typename T>
struct BlockScratch {
  T *patches, *products, *rows;
};
template <typename T>
BlockScratch<T> block_scratch(const Tiling& t, int64_t block) {
  const int64_t tiles = block * t.cols();
  const int64_t patches = kEntries * t.in_channels * tiles, products = kEntries * t.out_channels * tiles;
  T* base = thread_scratch<T>(patches + products + (2 * block + 2) * t.padded_width(), "conv2d");
  return {base, base + patches, base + patches + products};
}

// The tiled correlation x -> y with transformed kernels u (transform_kernels), plus bias. Returns
// whether any output is NaN.
template <typename T>
bool tiled_correlation(const T* x, const std::vector<T>& u, const T* bias, const Tiling& t, T* y) {
  const int64_t block = block_rows(t, sizeof(T)), gin = t.group_in(), gout = t.group_out(), parts = tile_parts(t);
  std::vector<char> nan_in_part(parts, 0);
  for_tile_blocks(t, parts, block, [&](int64_t r0, int64_t r1, int64_t part) {
    const BlockScratch<T> b = block_scratch<T>(t, block);
    T *v = b.patches, *m = b.products;
    const int64_t tiles = (r1 - r0) * t.cols();
    transform_patches(x, t, r0, r1, v, b.rows);
    for (int64_t gr = 0; gr < t.groups; ++gr) {
      for (int64_t e = 0; e < kEntries; ++e) {  // M[e] (gout, tiles) = U[e] (gout, gin) @ V[e] (gin, tiles)
        gemm(false, false, gout, tiles, gin, T(1), u.data() + (gr * kEntries + e) * gout * gin, gin,
             v + (e * t.in_channels + gr * gin) * tiles, tiles, T(0), m + (e * t.out_channels + gr * gout) * tiles,
             tiles);
      }
    }
    if (transform_products(m, bias, t, r0, r1, y, b.rows)) nan_in_part[part] = 1;
  });
  return std::find(nan_in_part.begin(), nan_in_part.end(), 1) != nan_in_part.end();
}

}  // namespace

// Measured per pass against im2col (float32, 2 threads, 32x32 planes, batch 32; C -> K channels):
// Winograd takes 0.4x-0.8x the time from 1 -> 1 to 64 -> 64 and whenever C >= K, 0.7x-1.0x at
// 32 -> 128, but with few input channels beside many outputs its GEMMs are too thin while im2col's
// columns are cheap (1 -> 4: 1.2x-1.4x; 4 -> 64: 1.4x-2x; 1 -> 32 at 28x28: 3x-6x). Below ~128
// tiles the kernel transform and the thin GEMMs are not amortized (256 -> 256 on 4x4 planes, batch
// 16, 64 tiles: no gain).
bool winograd_suits(const ConvShape& s) {
  constexpr int64_t kMinTiles = 128, kEnoughChannels = 32;
  const Window2d& w = s.window;
  const int64_t tiles = s.batch * ((std::min(w.height, w.out_height) + 1) / 2) *
                        ((std::min(w.width, w.out_width) + 1) / 2);
  const bool channels_suit = s.group_in() > 0 && s.group_out() > 0 &&  // the tile GEMMs need both
                             (4 * s.group_in() > s.group_out() || s.group_in() >= kEnoughChannels);
  return w.kernel_h == 3 && w.kernel_w == 3 && w.stride_h == 1 && w.stride_w == 1 && w.dilation_h == 1 &&
         w.dilation_w == 1 && channels_suit && tiles >= kMinTiles;
}

// A NaN in the output sends the call to the direct (im2col) kernel. The tile transforms add and
// subtract inputs, so non-finite values spread differently: an infinite input becomes
// inf - inf = NaN where the direct sum is +-inf, and a NaN weight reaches, through the
// transformed kernel, outputs whose only contact with it is zero padding (that the direct input
// gradient skips). Finite inputs only give NaN by overflowing in a transform. So NaN outputs are
// recomputed the way PyTorch computes them; calls without NaN pay a flag in the output loop.
template <typename T>
void winograd_forward(const T* x, const T* w, const T* bias, const ConvShape& s, T* y) {
  const Tiling t = forward_tiling(s);
  if (tiled_correlation(x, transform_kernels(w, t, false), bias, t, y)) conv_forward(x, w, bias, s, y);
}

template <typename T>
void winograd_input_grad(const T* gy, const T* w, const ConvShape& s, T* gx) {
  const Tiling t = input_grad_tiling(s);
  if (tiled_correlation(gy, transform_kernels(w, t, true), static_cast<const T*>(nullptr), t, gx)) {
    conv_input_grad(gy, w, s, gx);
  }
}

template <typename T>
void winograd_weight_grad(const T* x, const T* gy, const ConvShape& s, T* gw) {
  const Tiling t = forward_tiling(s);
  const int64_t block = block_rows(t, sizeof(T)), gin = t.group_in(), gout = t.group_out(), parts = tile_parts(t);
  const int64_t du_size = t.groups * kEntries * gout * gin;
  std::vector<T> du(parts * du_size, T(0));  // each part's sums of dM[e] @ V[e]^T
  for_tile_blocks(t, parts, block, [&](int64_t r0, int64_t r1, int64_t part) {
    const BlockScratch<T> b = block_scratch<T>(t, block);
    T *v = b.patches, *dm = b.products;
    const int64_t tiles = (r1 - r0) * t.cols();
    transform_patches(x, t, r0, r1, v, b.rows);
    transform_output_grads(gy, t, r0, r1, dm, b.rows);
    for (int64_t gr = 0; gr < t.groups; ++gr) {
      for (int64_t e = 0; e < kEntries; ++e) {  // dU[e] (gout, gin) += dM[e] (gout, tiles) @ V[e]^T (tiles, gin)
        gemm(false, true, gout, gin, tiles, T(1), dm + (e * t.out_channels + gr * gout) * tiles, tiles,
             v + (e * t.in_channels + gr * gin) * tiles, tiles, T(1),
             du.data() + part * du_size + (gr * kEntries + e) * gout * gin, gin);
      }
    }
  });
  for (int64_t p = 1; p < parts; ++p) {
    const T* partial = du.data() + p * du_size;
#pragma omp simd
    for (int64_t i = 0; i < du_size; ++i) du[i] += partial[i];
  }
  kernels_from_transformed(du.data(), t, gw);
  if (std::any_of(gw, gw + s.out_channels * s.group_in() * 9, [](T v) { return v != v; })) {
    conv_weight_grad(x, gy, s, gw);
  }
}

#define CR_WINOGRAD_INSTANTIATE(T)                                                      \
  template void winograd_forward<T>(const T*, const T*, const T*, const ConvShape&, T*); \
  template void winograd_input_grad<T>(const T*, const T*, const ConvShape&, T*);         \
  template void winograd_weight_grad<T>(const T*, const T*, const ConvShape&, T*);
CR_WINOGRAD_INSTANTIATE(float)
CR_WINOGRAD_INSTANTIATE(double)
#undef CR_WINOGRAD_INSTANTIATE

}  // namespace cr::cpu
