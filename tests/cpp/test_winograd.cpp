// Winograd F(2x2, 3x3) kernels against the im2col kernels (themselves checked against the
// definition in test_im2col.cpp and against a naive convolution in Python): forward, input
// gradient and weight gradient on odd plane sizes (partial edge tiles), paddings 0-3 (3: the input
// gradient reads from inside the plane), groups, and batches that split into several blocks of tile
// rows across threads, some blocks spanning two samples; in float and double. Also which shapes
// winograd_suits takes.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cpu/winograd.h"

using cr::ConvShape;
using cr::Window2d;

namespace {

// A 3x3 stride-1 convolution of (batch, in, h, w) with leading padding (pad_h, pad_w) on both sides.
ConvShape shape(int64_t batch, int64_t in, int64_t out, int64_t groups, int64_t h, int64_t w, int64_t pad_h,
                int64_t pad_w) {
  return {batch, in, out, groups, Window2d{h, w, h + 2 * pad_h - 2, w + 2 * pad_w - 2, 3, 3, 1, 1, pad_h, pad_w, 1, 1}};
}

std::string describe(const ConvShape& s) {
  std::ostringstream out;
  out << s.batch << "x" << s.in_channels << "x" << s.window.height << "x" << s.window.width << " -> "
      << s.out_channels << " groups " << s.groups << " pad " << s.window.pad_h << "," << s.window.pad_w;
  return out.str();
}

template <typename T>
std::vector<T> random_values(int64_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<double> dist;
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(gen));
  return v;
}

template <typename T>
void expect_near(const std::vector<T>& got, const std::vector<T>& want, double tolerance, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tolerance * (1 + std::abs(double(want[i])))) << what << " at " << i;
  }
}

const ConvShape kCases[] = {
    shape(2, 3, 5, 1, 7, 9, 1, 1),      // odd planes: partial tiles at the bottom and right
    shape(3, 4, 6, 2, 8, 6, 0, 0),      // groups, no padding
    shape(1, 2, 2, 1, 5, 5, 2, 2),      // padding 2: the input gradient reads without offset
    shape(2, 2, 3, 1, 4, 6, 3, 1),      // padding 3: the input gradient starts inside the plane
    shape(1, 3, 3, 3, 6, 7, 1, 0),      // depthwise, padding on one dim only
    shape(6, 32, 32, 1, 26, 26, 1, 1),  // 78 tile rows: blocks across threads, some spanning two samples
};

template <typename T>
void expect_matches_im2col(double tolerance) {
  for (const ConvShape& s : kCases) {
    const Window2d& w = s.window;
    const int64_t x_size = s.batch * s.in_channels * w.in_size(), y_size = s.batch * s.out_channels * w.out_size();
    const int64_t w_size = s.out_channels * s.group_in() * 9;
    const auto x = random_values<T>(x_size, 1), weight = random_values<T>(w_size, 2);
    const auto bias = random_values<T>(s.out_channels, 3), gy = random_values<T>(y_size, 4);

    std::vector<T> y(y_size, T(99)), y_ref(y_size);  // every output element must be written
    cr::cpu::winograd_forward(x.data(), weight.data(), bias.data(), s, y.data());
    cr::cpu::conv_forward(x.data(), weight.data(), bias.data(), s, y_ref.data());
    expect_near(y, y_ref, tolerance, "forward " + describe(s));

    std::vector<T> gx(x_size, T(99)), gx_ref(x_size);
    cr::cpu::winograd_input_grad(gy.data(), weight.data(), s, gx.data());
    cr::cpu::conv_input_grad(gy.data(), weight.data(), s, gx_ref.data());
    expect_near(gx, gx_ref, tolerance, "input grad " + describe(s));

    std::vector<T> gw(w_size, T(99)), gw_ref(w_size);
    cr::cpu::winograd_weight_grad(x.data(), gy.data(), s, gw.data());
    cr::cpu::conv_weight_grad(x.data(), gy.data(), s, gw_ref.data());
    expect_near(gw, gw_ref, tolerance, "weight grad " + describe(s));
  }
}

}  // namespace

TEST(Winograd, MatchesIm2colFloat) { expect_matches_im2col<float>(1e-4); }

TEST(Winograd, MatchesIm2colDouble) { expect_matches_im2col<double>(1e-12); }

TEST(Winograd, TakesThreeByThreeStrideOneWithEnoughTilesAndInputChannels) {
  EXPECT_TRUE(cr::cpu::winograd_suits(shape(32, 64, 64, 1, 32, 32, 1, 1)));    // bench_conv's B
  EXPECT_TRUE(cr::cpu::winograd_suits(shape(16, 128, 128, 1, 16, 16, 1, 1)));  // and C
  EXPECT_TRUE(cr::cpu::winograd_suits(shape(32, 1, 1, 1, 32, 32, 1, 1)));      // one channel each way
  EXPECT_TRUE(cr::cpu::winograd_suits(shape(16, 32, 128, 1, 16, 16, 1, 1)));   // many inputs: any outputs
  EXPECT_FALSE(cr::cpu::winograd_suits(shape(64, 1, 32, 1, 28, 28, 1, 1)));    // A: one input, 32 outputs
  EXPECT_FALSE(cr::cpu::winograd_suits(shape(32, 4, 64, 1, 32, 32, 1, 1)));    // few inputs beside the outputs
  EXPECT_FALSE(cr::cpu::winograd_suits(shape(4, 64, 64, 1, 6, 6, 1, 1)));      // 36 tiles
  ConvShape strided = shape(32, 64, 64, 1, 32, 32, 1, 1);
  strided.window.stride_h = 2, strided.window.out_height = 16;
  EXPECT_FALSE(cr::cpu::winograd_suits(strided));
  ConvShape dilated = shape(32, 64, 64, 1, 32, 32, 2, 2);
  dilated.window.dilation_h = dilated.window.dilation_w = 2, dilated.window.out_height = dilated.window.out_width = 32;
  EXPECT_FALSE(cr::cpu::winograd_suits(dilated));
  ConvShape five = shape(32, 64, 64, 1, 32, 32, 2, 2);
  five.window.kernel_h = five.window.kernel_w = 5, five.window.out_height = five.window.out_width = 32;
  EXPECT_FALSE(cr::cpu::winograd_suits(five));
}
