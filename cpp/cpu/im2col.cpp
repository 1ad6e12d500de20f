// im2col / col2im kernels (see im2col.h). Each (channel, tap) row of the column matrix is filled
// row by row of output positions: the output columns whose tap lands inside the input form one
// range [lo, hi) (computed once per tap), so the inner loops carry no bounds checks and, at
// stride 1, are plain copies / adds.
#include "cpu/im2col.h"

#include <algorithm>
#include <type_traits>

#ifdef __AVX512F__
#include <immintrin.h>
#endif

namespace cr::cpu {

namespace {

// The output positions o in [0, out) whose input index o * stride - pad + tap_offset lies in
// [0, size): a contiguous range [lo, hi) (empty when lo >= hi).
struct ValidRange {
  int64_t lo, hi;
};

// ceil(a / b) for b > 0, 0 for a <= 0; (a - 1) / b + 1 cannot overflow where a + b - 1 would (a
// stride near 2**63).
int64_t ceil_div_nonneg(int64_t a, int64_t b) { return a <= 0 ? 0 : (a - 1) / b + 1; }

ValidRange valid_outputs(int64_t size, int64_t out, int64_t stride, int64_t pad, int64_t tap_offset) {
  // o * stride >= pad - tap_offset  and  o * stride < size + pad - tap_offset
  const int64_t lo = std::min(out, ceil_div_nonneg(pad - tap_offset, stride));
  const int64_t hi = std::min(out, ceil_div_nonneg(size + pad - tap_offset, stride));
  return {lo, std::max(lo, hi)};
}

// Visits every (channel, tap, output row) of the column matrix: fn(col_row (OW,), x_row (W,) or
// null when the row is padding, start column in x of output column 0, valid output columns).
template <typename ColPtr, typename XPtr, typename Fn>
void for_each_col_row(ColPtr col, int64_t col_ld, XPtr x, int64_t channels, const Window2d& w, const Fn& fn) {
  for (int64_t c = 0; c < channels; ++c) {
    XPtr plane = x + c * w.in_size();  // (H, W)
    for (int64_t i = 0; i < w.kernel_h; ++i) {
      const ValidRange rows = valid_outputs(w.height, w.out_height, w.stride_h, w.pad_h, i * w.dilation_h);
      for (int64_t j = 0; j < w.kernel_w; ++j) {
        const ValidRange cols = valid_outputs(w.width, w.out_width, w.stride_w, w.pad_w, j * w.dilation_w);
        const int64_t x_col0 = j * w.dilation_w - w.pad_w;  // input column of output column 0
        ColPtr tap_rows = col + ((c * w.kernel_h + i) * w.kernel_w + j) * col_ld;  // (OH, OW)
        for (int64_t oh = 0; oh < w.out_height; ++oh) {
          const bool inside = oh >= rows.lo && oh < rows.hi;
          XPtr x_row = inside ? plane + (oh * w.stride_h - w.pad_h + i * w.dilation_h) * w.width : nullptr;
          fn(tap_rows + oh * w.out_width, x_row, x_col0, cols);
        }
      }
    }
  }
}

// Rows of late CNN layers are short (OW of 8 to 16), where a library copy/fill call and the loops
// around it cost more than the data: with AVX-512 a stride-1 row of float32 that fits one register
// is moved by one masked load and one masked store instead.
#ifdef __AVX512F__
constexpr int64_t kShortRow = 16;  // float32 lanes of one register

__mmask16 lanes(int64_t begin, int64_t end) {  // bits [begin, end) of 16, begin <= end <= 16
  return static_cast<__mmask16>(((1u << end) - 1u) & ~((1u << begin) - 1u));
}

// out[0, ow) = 0 outside [lo, hi) and src[0, hi - lo) inside it; ow <= 16.
void fill_short_row(float* out, int64_t ow, const float* src, int64_t lo, int64_t hi) {
  // a plain masked load when the row starts at column 0; an expanding load (slower) shifts it right
  const __m512 row = src == nullptr ? _mm512_setzero_ps()
                     : lo == 0      ? _mm512_maskz_loadu_ps(lanes(0, hi), src)
                                    : _mm512_maskz_expandloadu_ps(lanes(lo, hi), src);
  _mm512_mask_storeu_ps(out, lanes(0, ow), row);
}

// dst[0, n) += in[0, n); n <= 16.
void add_short_row(float* dst, const float* in, int64_t n) {
  const __mmask16 m = lanes(0, n);
  _mm512_mask_storeu_ps(dst, m, _mm512_add_ps(_mm512_maskz_loadu_ps(m, dst), _mm512_maskz_loadu_ps(m, in)));
}
#endif

}  // namespace

template <typename T>
void im2col(const T* x, int64_t channels, const Window2d& w, T* col, int64_t col_ld) {
  const int64_t ow = w.out_width, stride = w.stride_w;
  for_each_col_row(col, col_ld, x, channels, w, [&](T* out, const T* x_row, int64_t x_col0, ValidRange cols) {
#ifdef __AVX512F__
    if constexpr (std::is_same_v<T, float>) {
      if (stride == 1 && ow <= kShortRow) {
        fill_short_row(out, ow, x_row ? x_row + (x_col0 + cols.lo) : nullptr, cols.lo, cols.hi);
        return;
      }
    }
#endif
    if (x_row == nullptr) {
      std::fill(out, out + ow, T(0));
      return;
    }
    std::fill(out, out + cols.lo, T(0));
    if (stride == 1) {
      std::copy(x_row + (x_col0 + cols.lo), x_row + (x_col0 + cols.hi), out + cols.lo);
    } else {
      for (int64_t o = cols.lo; o < cols.hi; ++o) out[o] = x_row[x_col0 + o * stride];
    }
    std::fill(out + cols.hi, out + ow, T(0));
  });
}

template <typename T>
void col2im(const T* col, int64_t col_ld, int64_t channels, const Window2d& w, T* x) {
  std::fill(x, x + channels * w.in_size(), T(0));
  const int64_t stride = w.stride_w;
  for_each_col_row(col, col_ld, x, channels, w, [&](const T* in, T* x_row, int64_t x_col0, ValidRange cols) {
    if (x_row == nullptr) return;
    if (stride == 1) {
      T* dst = x_row + (x_col0 + cols.lo);  // x_col0 + lo >= 0: the first valid column
#ifdef __AVX512F__
      if constexpr (std::is_same_v<T, float>) {
        if (w.out_width <= kShortRow) {
          add_short_row(dst, in + cols.lo, cols.hi - cols.lo);
          return;
        }
      }
#endif
#pragma omp simd
      for (int64_t o = 0; o < cols.hi - cols.lo; ++o) dst[o] += in[cols.lo + o];
    } else {
      for (int64_t o = cols.lo; o < cols.hi; ++o) x_row[x_col0 + o * stride] += in[o];
    }
  });
}

template void im2col<float>(const float*, int64_t, const Window2d&, float*, int64_t);
template void im2col<double>(const double*, int64_t, const Window2d&, double*, int64_t);
template void col2im<float>(const float*, int64_t, int64_t, const Window2d&, float*);
template void col2im<double>(const double*, int64_t, int64_t, const Window2d&, double*);

}  // namespace cr::cpu
