// The counter-based draw formulas the GPU's random kernels run (core/counter_rng.h) and the CUDA
// generators' (seed, offset) bookkeeping (core/cuda_generator.h), checked on the host: ranges,
// half-open intervals, moments, and determinism for a (seed, offset).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/counter_rng.h"
#include "core/cuda_generator.h"
#include "core/error.h"

using namespace cr;

namespace {

constexpr int kDraws = 200000;

CounterStream stream_of(uint64_t seed, uint64_t offset = 0) { return {stream_key(seed), offset}; }

struct Moments {
  double mean = 0, variance = 0;
};

template <typename Sample>
Moments moments_of(int n, const Sample& sample) {
  double sum = 0, squares = 0;
  for (int i = 0; i < n; ++i) {
    const double x = sample(static_cast<uint64_t>(i));
    sum += x;
    squares += x * x;
  }
  Moments m;
  m.mean = sum / n;
  m.variance = squares / n - m.mean * m.mean;
  return m;
}

}  // namespace

TEST(CounterRandom, UnitUniformIsHalfOpenAtTheExtremeDraws) {
  EXPECT_EQ(unit_uniform<float>(0), 0.0f);
  EXPECT_EQ(unit_uniform<double>(0), 0.0);
  const uint64_t all_ones = std::numeric_limits<uint64_t>::max();
  EXPECT_EQ(unit_uniform<float>(all_ones), 1.0f - 0x1p-24f);  // the largest float below 1
  EXPECT_EQ(unit_uniform<double>(all_ones), 1.0 - 0x1p-53);
  EXPECT_LT(unit_uniform<float>(all_ones), 1.0f);
}

TEST(CounterRandom, UniformHasTheMomentsOfU01) {
  const CounterStream s = stream_of(7);
  for (bool single : {true, false}) {
    const Moments m = moments_of(kDraws, [&](uint64_t i) {
      const double u = single ? unit_uniform<float>(s.draw(i)) : unit_uniform<double>(s.draw(i));
      EXPECT_TRUE(u >= 0.0 && u < 1.0) << u;
      return u;
    });
    EXPECT_NEAR(m.mean, 0.5, 0.005);
    EXPECT_NEAR(m.variance, 1.0 / 12, 0.002);
  }
}

TEST(CounterRandom, UniformBetweenStaysHalfOpenWhenRoundingReachesTheTop) {
  const CounterStream s = stream_of(3);
  for (uint64_t i = 0; i < 10000; ++i) {
    const float v = uniform_between<float>(s.draw(i), -2.0f, 5.0f);
    ASSERT_TRUE(v >= -2.0f && v < 5.0f) << v;
  }
  // 1 + 0.5 * (1 - 2^-24) rounds to 1.5 in float32: the bottom is given instead
  EXPECT_EQ(uniform_between<float>(std::numeric_limits<uint64_t>::max(), 1.0f, 1.5f), 1.0f);
  EXPECT_EQ(uniform_between<double>(0, 1.5, 2.5), 1.5);
}

TEST(CounterRandom, BoxMullerNormalsHaveStandardMoments) {
  const CounterStream s = stream_of(11, 5);
  for (bool single : {true, false}) {
    double fourth = 0;
    const Moments m = moments_of(kDraws, [&](uint64_t i) {
      const double z = single ? normal_at<float>(s, i) : normal_at<double>(s, i);
      EXPECT_TRUE(std::isfinite(z));
      fourth += z * z * z * z;
      return z;
    });
    EXPECT_NEAR(m.mean, 0.0, 0.01);
    EXPECT_NEAR(m.variance, 1.0, 0.015);
    EXPECT_NEAR(fourth / kDraws, 3.0, 0.1);  // a normal's kurtosis
  }
}

TEST(CounterRandom, NormalPairsShareTheirDrawsAndFillsReserveAnEvenCount) {
  const CounterStream s = stream_of(5);
  const double r = std::sqrt(-2 * std::log(1 - unit_uniform<double>(s.draw(0))));
  const double theta = 2 * M_PI * unit_uniform<double>(s.draw(1));
  EXPECT_NEAR(normal_at<double>(s, 0), r * std::cos(theta), 1e-12);
  EXPECT_NEAR(normal_at<double>(s, 1), r * std::sin(theta), 1e-12);
  EXPECT_EQ(normal_draws(0), 0u);
  EXPECT_EQ(normal_draws(3), 4u);
  EXPECT_EQ(normal_draws(4), 4u);
}

TEST(CounterRandom, BoxMullerOfTheExtremeDrawsIsFinite) {
  const uint64_t all_ones = std::numeric_limits<uint64_t>::max();
  EXPECT_TRUE(std::isfinite(box_muller<float>(all_ones, 0, false)));   // u1 at its smallest
  EXPECT_EQ(box_muller<double>(0, 0, false), 0.0);                    // u1 = 1: radius 0
}

TEST(CounterRandom, IntegersCoverTheirRangeEvenlyAndStayInside) {
  const CounterStream s = stream_of(13);
  std::vector<int> counts(7, 0);
  for (uint64_t i = 0; i < static_cast<uint64_t>(kDraws); ++i) {
    const int64_t v = integer_from(s.draw(i), -3, 7);
    ASSERT_TRUE(v >= -3 && v < 4) << v;
    ++counts[static_cast<size_t>(v + 3)];
  }
  for (int c : counts) EXPECT_NEAR(c, kDraws / 7.0, kDraws / 7.0 * 0.03);
  // the whole int64 span: low = INT64_MIN, range = 2^64 - 1
  const int64_t lowest = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(integer_from(0, lowest, std::numeric_limits<uint64_t>::max()), lowest);
  EXPECT_EQ(integer_below(std::numeric_limits<uint64_t>::max(), 10), 9u);
  EXPECT_EQ(integer_below(12345, 1), 0u);
}

TEST(CounterRandom, BernoulliDrawsTrueAtRateP) {
  const CounterStream s = stream_of(17);
  for (double p : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    int hits = 0;
    for (uint64_t i = 0; i < static_cast<uint64_t>(kDraws); ++i) hits += bernoulli_draw(s.draw(i), p) ? 1 : 0;
    EXPECT_NEAR(static_cast<double>(hits) / kDraws, p, 0.005) << p;
    if (p == 0.0) EXPECT_EQ(hits, 0);
    if (p == 1.0) EXPECT_EQ(hits, kDraws);
  }
}

TEST(CounterRandom, DrawsArePureFunctionsOfSeedAndOffset) {
  EXPECT_EQ(stream_of(42).draw(10), stream_of(42, 10).draw(0));
  EXPECT_EQ(stream_of(42, 3).draw(4), stream_of(42, 7).draw(0));
  EXPECT_NE(stream_of(42).draw(0), stream_of(43).draw(0));
  EXPECT_NE(stream_of(42).draw(0), stream_of(42).draw(1));
  // nearby seeds do not give shifted copies of one stream
  EXPECT_NE(stream_of(1).draw(1), stream_of(2).draw(0));
}

TEST(CudaRandomGenerator, ReservesRangesAndRestartsOnManualSeed) {
  CudaGenerator& g = CudaGenerator::for_device(CudaGenerator::kMaxDevices - 1);
  g.manual_seed(99);
  EXPECT_EQ(g.initial_seed(), 99u);
  const CounterStream first = g.reserve(10);
  const CounterStream second = g.reserve(4);
  EXPECT_EQ(first.key, stream_key(99));
  EXPECT_EQ(first.offset, 0u);
  EXPECT_EQ(second.offset, 10u);
  EXPECT_EQ((g.state()), (std::array<uint64_t, 2>{99, 14}));
  g.set_state(99, 10);
  EXPECT_EQ(g.reserve(1).draw(0), second.draw(0));
  g.manual_seed(99);
  EXPECT_EQ(g.reserve(1).draw(0), first.draw(0));
}

TEST(CudaRandomGenerator, ManualSeedAllSeedsEveryDeviceAndIndicesAreChecked) {
  CudaGenerator::manual_seed_all(5);
  EXPECT_EQ(CudaGenerator::for_device(0).initial_seed(), 5u);
  EXPECT_EQ(CudaGenerator::for_device(3).state()[1], 0u);
  EXPECT_THROW(CudaGenerator::for_device(-1), ValueError);
  EXPECT_THROW(CudaGenerator::for_device(CudaGenerator::kMaxDevices), ValueError);
}

TEST(CudaRandomGenerator, OpsPickTheGeneratorTheirDeviceAndArgumentName) {
  Generator own(1);
  EXPECT_EQ(cuda_generator_for(kCpu, Generator::global(), "rand"), nullptr);
  EXPECT_EQ(cuda_generator_for(kCpu, own, "rand"), nullptr);
  // a private CPU generator given to a GPU op draws on the host
  EXPECT_EQ(cuda_generator_for(Device{DeviceType::CUDA, 0}, own, "rand"), nullptr);
  CudaGenerator private_stream;
  Generator stand_in(private_stream);
  EXPECT_EQ(stand_in.cuda(), &private_stream);
  EXPECT_THROW(cuda_generator_for(kCpu, stand_in, "rand"), RuntimeError);  // PyTorch's device-type error
  if (cuda_device_count() > 0) {
    EXPECT_EQ(cuda_generator_for(Device{DeviceType::CUDA, 0}, stand_in, "rand"), &private_stream);
    EXPECT_EQ(cuda_generator_for(Device{DeviceType::CUDA, -1}, Generator::global(), "rand"),
              &CudaGenerator::for_device(0));
  } else {
    EXPECT_THROW(cuda_generator_for(Device{DeviceType::CUDA, 0}, Generator::global(), "rand"), RuntimeError);
  }
}

TEST(CudaRandomGenerator, HostSeedsAreTheStreamsNextDraws) {
  CudaGenerator g;
  EXPECT_EQ(g.initial_seed(), CudaGenerator::kDefaultSeed);
  const uint64_t first = g.host_seed();
  EXPECT_EQ(first, (CounterStream{stream_key(CudaGenerator::kDefaultSeed), 0}.draw(0)));
  EXPECT_NE(g.host_seed(), first);
  EXPECT_EQ(g.state()[1], 2u);
}
