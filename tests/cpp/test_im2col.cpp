// im2col / col2im: every column entry against a direct index computation, and adjointness
// <im2col(x), c> == <x, col2im(c)> on odd shapes, strides, dilations and (asymmetric) paddings,
// in float (whose rows of up to 16 take the masked AVX-512 path where compiled in) and double; and
// the per-entry formulas the GPU kernels run (core/conv_window.h) against the CPU kernels.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "cpu/im2col.h"

using cr::Window2d;

namespace {

std::vector<double> random_values(size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = dist(gen);
  return v;
}

// A window over (h, w) with output sizes from a leading pad and a trailing pad (which may differ).
Window2d window(int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t stride_h, int64_t stride_w, int64_t pad_h,
                int64_t pad_w, int64_t dil_h, int64_t dil_w, int64_t extra_pad = 0) {
  const int64_t oh = (h + 2 * pad_h + extra_pad - dil_h * (kh - 1) - 1) / stride_h + 1;
  const int64_t ow = (w + 2 * pad_w + extra_pad - dil_w * (kw - 1) - 1) / stride_w + 1;
  return {h, w, oh, ow, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w};
}

// Column entry ((c, i, j), (oh, ow)) computed from its definition.
double expected_entry(const std::vector<double>& x, const Window2d& w, int64_t c, int64_t i, int64_t j, int64_t oh,
                      int64_t ow) {
  const int64_t y = oh * w.stride_h - w.pad_h + i * w.dilation_h, x_ = ow * w.stride_w - w.pad_w + j * w.dilation_w;
  if (y < 0 || y >= w.height || x_ < 0 || x_ >= w.width) return 0.0;
  return x[(c * w.height + y) * w.width + x_];
}

const Window2d kCases[] = {
    window(5, 7, 3, 3, 1, 1, 1, 1, 1, 1),     // 'same'-like
    window(6, 5, 3, 2, 2, 3, 0, 1, 1, 1),     // strides, uneven padding per dim
    window(7, 9, 3, 3, 2, 1, 2, 3, 2, 3),     // dilation with padding larger than the kernel reach
    window(4, 4, 1, 1, 1, 1, 0, 0, 1, 1),     // pointwise
    window(3, 8, 3, 5, 1, 2, 1, 2, 1, 2),     // kernel as tall as the input
    window(5, 6, 2, 3, 1, 1, 0, 1, 1, 1, 1),  // asymmetric: one extra pad after (padding='same', even kernel)
    window(9, 1, 4, 1, 3, 1, 2, 0, 1, 1),     // width 1 (a 1-D convolution along the height)
    window(4, 16, 3, 3, 1, 1, 1, 1, 1, 1),    // rows of exactly 16 outputs, padded on both sides
    window(4, 17, 3, 3, 1, 1, 1, 1, 1, 1),    // rows of 17: one past the short-row path
    window(6, 14, 5, 5, 1, 1, 0, 0, 1, 1),    // LeNet's second convolution: rows of 10, no padding
};

template <typename T>
std::vector<T> as(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

}  // namespace

template <typename T>
void expect_matches_definition() {
  const int64_t channels = 3;
  for (const Window2d& w : kCases) {
    auto x = as<T>(random_values(channels * w.in_size(), 1));
    const std::vector<double> xd(x.begin(), x.end());
    std::vector<T> col(channels * w.kernel_size() * w.out_size(), T(42));
    cr::cpu::im2col(x.data(), channels, w, col.data(), w.out_size());
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < w.kernel_h; ++i)
        for (int64_t j = 0; j < w.kernel_w; ++j)
          for (int64_t oh = 0; oh < w.out_height; ++oh)
            for (int64_t ow = 0; ow < w.out_width; ++ow) {
              const int64_t row = (c * w.kernel_h + i) * w.kernel_w + j;
              ASSERT_EQ(col[row * w.out_size() + oh * w.out_width + ow], expected_entry(xd, w, c, i, j, oh, ow))
                  << "window " << w.height << "x" << w.width << " kernel " << w.kernel_h << "x" << w.kernel_w;
            }
  }
}

TEST(Im2col, MatchesDefinition) {
  expect_matches_definition<float>();
  expect_matches_definition<double>();
}

template <typename T>
void expect_col2im_is_the_adjoint(double tolerance) {
  const int64_t channels = 2;
  for (const Window2d& w : kCases) {
    auto x = as<T>(random_values(channels * w.in_size(), 2));
    auto c = as<T>(random_values(channels * w.kernel_size() * w.out_size(), 3));
    std::vector<T> col(c.size()), back(x.size(), T(7));  // col2im must overwrite `back`
    cr::cpu::im2col(x.data(), channels, w, col.data(), w.out_size());
    cr::cpu::col2im(c.data(), w.out_size(), channels, w, back.data());
    double lhs = 0, rhs = 0;
    for (size_t k = 0; k < c.size(); ++k) lhs += double(col[k]) * double(c[k]);
    for (size_t k = 0; k < x.size(); ++k) rhs += double(x[k]) * double(back[k]);
    EXPECT_NEAR(lhs, rhs, tolerance) << "window " << w.height << "x" << w.width << " stride " << w.stride_h << ","
                                     << w.stride_w;
  }
}

TEST(Im2col, Col2imIsTheAdjoint) {
  expect_col2im_is_the_adjoint<float>(1e-4);
  expect_col2im_is_the_adjoint<double>(1e-10);
}

TEST(Im2col, RoundTripCountsVisits) {
  // col2im(im2col(x)) multiplies each element by the number of windows that visit it; with
  // stride == kernel and no padding every element is visited exactly once.
  const Window2d w = window(6, 9, 2, 3, 2, 3, 0, 0, 1, 1);
  auto x = random_values(w.in_size(), 4);
  std::vector<float> xf(x.begin(), x.end()), col(w.kernel_size() * w.out_size()), back(xf.size());
  cr::cpu::im2col(xf.data(), 1, w, col.data(), w.out_size());
  cr::cpu::col2im(col.data(), w.out_size(), 1, w, back.data());
  for (size_t k = 0; k < xf.size(); ++k) EXPECT_EQ(back[k], xf[k]);
}

TEST(Im2col, WideRowsLeaveOtherColumnsAlone) {
  // Two samples side by side: rows col_ld = 2 * OH*OW apart; each im2col fills only its half.
  const Window2d w = window(5, 4, 3, 2, 2, 1, 1, 0, 1, 2);
  const int64_t rows = 2 * w.kernel_size(), out = w.out_size();
  auto x0 = random_values(2 * w.in_size(), 5), x1 = random_values(2 * w.in_size(), 6);
  std::vector<double> wide(rows * 2 * out, 0.0), narrow(rows * out);
  cr::cpu::im2col(x0.data(), 2, w, wide.data(), 2 * out);
  cr::cpu::im2col(x1.data(), 2, w, wide.data() + out, 2 * out);
  cr::cpu::im2col(x1.data(), 2, w, narrow.data(), out);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t o = 0; o < out; ++o) ASSERT_EQ(wide[r * 2 * out + out + o], narrow[r * out + o]);
  std::vector<double> back_wide(x1.size()), back_narrow(x1.size());
  cr::cpu::col2im(wide.data() + out, 2 * out, 2, w, back_wide.data());
  cr::cpu::col2im(narrow.data(), out, 2, w, back_narrow.data());
  EXPECT_EQ(back_wide, back_narrow);
}

// The GPU's kernels compute each column entry with im2col_entry and each col2im element with
// col2im_entry; both must give the CPU kernels' values on every case (col2im in a wide column
// matrix, as the GPU lays out several samples side by side).
TEST(Im2col, EntryFormulasMatchTheKernels) {
  const int64_t channels = 3;
  for (const Window2d& w : kCases) {
    const auto x = random_values(channels * w.in_size(), 8);
    const int64_t rows = channels * w.kernel_size(), out = w.out_size(), col_ld = 2 * out + 1;
    std::vector<double> col(rows * out);
    cr::cpu::im2col(x.data(), channels, w, col.data(), out);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t p = 0; p < out; ++p) ASSERT_EQ(cr::im2col_entry(x.data(), w, r, p), col[r * out + p]);
    const auto wide = random_values(rows * col_ld, 9);
    std::vector<double> back(x.size());
    cr::cpu::col2im(wide.data(), col_ld, channels, w, back.data());
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t h = 0; h < w.height; ++h)
        for (int64_t x_ = 0; x_ < w.width; ++x_)
          ASSERT_NEAR(cr::col2im_entry(wide.data(), col_ld, w, c, h, x_), back[(c * w.height + h) * w.width + x_], 1e-12)
              << "window " << w.height << "x" << w.width << " kernel " << w.kernel_h << "x" << w.kernel_w;
  }
}
