// The vectorizable float32 exp/log/expm1/log1p/tanh/sigmoid/erf against libm in double, over every 997th float.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "cpu/vec_math.h"

namespace {

// Distance in float32 ulps between got and the correctly rounded `want`.
double ulps(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e9;
  float w = static_cast<float>(want);
  if (std::isinf(w)) return got == w ? 0 : 1e9;
  if (got == w) return 0;
  double u = std::fabs(std::nextafter(w, INFINITY) - w);
  if (u == 0 || std::fabs(w) < 1.17549435e-38f) u = std::ldexp(1.0, -149);
  return std::fabs(got - want) / u;
}

template <typename F, typename G>
double worst_ulps(F ours, G reference) {
  double worst = 0;
  for (uint64_t b = 0; b <= 0xffffffffu; b += 997) {
    uint32_t bits = static_cast<uint32_t>(b);
    float x;
    std::memcpy(&x, &bits, sizeof x);
    worst = std::max(worst, ulps(ours(x), reference(static_cast<double>(x))));
  }
  return worst;
}

}  // namespace

TEST(VecMath, ExpWithinTwoUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::exp(x); }, [](double x) { return std::exp(x); }), 2.0);
}

TEST(VecMath, LogWithinTwoUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::log(x); }, [](double x) { return std::log(x); }), 2.0);
}

TEST(VecMath, TanhWithinSixUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::tanh(x); }, [](double x) { return std::tanh(x); }), 6.0);  // 4.6 with FMA, 5.4 without
}

TEST(VecMath, SigmoidWithinThreeUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::sigmoid(x); }, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }), 3.0);
}

TEST(VecMath, Expm1WithinThreeUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::expm1(x); }, [](double x) { return std::expm1(x); }), 3.0);
}

TEST(VecMath, Log1pWithinThreeUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::log1p(x); }, [](double x) { return std::log1p(x); }), 3.0);
}

TEST(VecMath, ErfWithinTwoUlps) {
  EXPECT_LE(worst_ulps([](float x) { return cr::cpu::vec::erf(x); }, [](double x) { return std::erf(x); }), 2.0);
}

TEST(VecMath, SpecialValues) {
  using namespace cr::cpu::vec;
  EXPECT_EQ(exp(-INFINITY), 0.0f);
  EXPECT_EQ(exp(INFINITY), INFINITY);
  EXPECT_TRUE(std::isnan(exp(NAN)));
  EXPECT_EQ(log(0.0f), -INFINITY);
  EXPECT_TRUE(std::isnan(log(-1.0f)));
  EXPECT_EQ(log(INFINITY), INFINITY);
  EXPECT_EQ(tanh(INFINITY), 1.0f);
  EXPECT_EQ(tanh(-INFINITY), -1.0f);
  EXPECT_EQ(sigmoid(-INFINITY), 0.0f);
  EXPECT_EQ(sigmoid(INFINITY), 1.0f);
  EXPECT_EQ(expm1(-INFINITY), -1.0f);
  EXPECT_EQ(expm1(INFINITY), INFINITY);
  EXPECT_TRUE(std::signbit(expm1(-0.0f)));
  EXPECT_TRUE(std::isnan(expm1(NAN)));
  EXPECT_EQ(log1p(-1.0f), -INFINITY);
  EXPECT_TRUE(std::isnan(log1p(-2.0f)));
  EXPECT_TRUE(std::isnan(log1p(-INFINITY)));
  EXPECT_EQ(log1p(INFINITY), INFINITY);
  EXPECT_EQ(erf(INFINITY), 1.0f);
  EXPECT_EQ(erf(-INFINITY), -1.0f);
  EXPECT_TRUE(std::signbit(erf(-0.0f)));
  EXPECT_TRUE(std::isnan(erf(NAN)));
  EXPECT_TRUE(std::signbit(log1p(-0.0f)));
}
