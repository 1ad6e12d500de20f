// Counter-based random streams: draw i of the stream `key` is splitmix64 of key + (i + 1) * golden,
// a pure function of (key, i), so every thread of a kernel computes its own draws. The CPU's and
// the GPU's dropout kernels draw from such a stream; the CUDA generators (core/cuda_generator.h)
// hand each random GPU op a CounterStream, a range of their seed's stream. The draw formulas below
// turn 64-bit draws into samples; the GPU kernels (cuda/random.h) call them and the host tests
// (tests/cpp/test_counter_rng.cpp) check them.
#pragma once

#include <cmath>
#include <cstdint>

#include "core/formula.h"

namespace cr {

CR_FORMULA uint64_t splitmix64(uint64_t key, uint64_t i) {
  uint64_t z = key + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The key of a seed's stream: the seed scrambled, so that nearby seeds give unrelated streams.
CR_FORMULA uint64_t stream_key(uint64_t seed) { return splitmix64(seed, ~0ull); }

// The draws one op reserved from a generator: draw i is the seed's stream at offset + i.
struct CounterStream {
  uint64_t key;     // stream_key(seed)
  uint64_t offset;  // the op's first draw
  CR_FORMULA uint64_t draw(uint64_t i) const { return splitmix64(key, offset + i); }
};

// Uniform in [0, 1) from a draw's top 24 (float) or 53 (double) bits: every value a multiple of
// 2^-24 or 2^-53, so 1 is never reached.
template <typename T>
CR_FORMULA T unit_uniform(uint64_t bits);
template <>
CR_FORMULA float unit_uniform<float>(uint64_t bits) { return static_cast<float>(bits >> 40) * 0x1p-24f; }
template <>
CR_FORMULA double unit_uniform<double>(uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1p-53; }

// Uniform in [from, to) in T: from + (to - from) * u, where rounding that reaches `to` gives `from`
// (as PyTorch's GPU kernel does), so the interval stays half-open.
template <typename T>
CR_FORMULA T uniform_between(uint64_t bits, T from, T to) {
  const T v = from + (to - from) * unit_uniform<T>(bits);
  return v < to ? v : from;
}

// One of the two standard normals Box-Muller makes from a pair of draws: r cos(theta) (first) or
// r sin(theta) (second), with r = sqrt(-2 log u1) for u1 in (0, 1] and theta = 2 pi u2.
template <typename T>
CR_FORMULA T box_muller(uint64_t radius_bits, uint64_t angle_bits, bool second) {
  constexpr double kTwoPi = 6.283185307179586476925;
  const T u1 = T(1) - unit_uniform<T>(radius_bits);  // (0, 1]: the log is finite
  const T r = std::sqrt(T(-2) * std::log(u1));
  const T theta = T(kTwoPi) * unit_uniform<T>(angle_bits);
  return r * (second ? std::sin(theta) : std::cos(theta));
}

// Draws a normal fill of n elements reserves: element i is one of the pair (i & ~1, i | 1).
CR_FORMULA uint64_t normal_draws(uint64_t n) { return n + (n & 1); }

// Element i of a standard normal fill from `stream`.
template <typename T>
CR_FORMULA T normal_at(const CounterStream& stream, uint64_t i) {
  const uint64_t first = i & ~1ull;
  return box_muller<T>(stream.draw(first), stream.draw(first + 1), (i & 1) != 0);
}

// An integer in [0, range) (range >= 1): the high word of bits * range, Lemire's map without its
// rejection step, whose bias (at most range / 2^64) is far below what any test could see.
CR_FORMULA uint64_t integer_below(uint64_t bits, uint64_t range) {
#ifdef __CUDA_ARCH__
  return __umul64hi(bits, range);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(bits) * range) >> 64);
#endif
}

// An integer in [low, low + range), range = high - low as an unsigned count (so the whole int64
// span fits).
CR_FORMULA int64_t integer_from(uint64_t bits, int64_t low, uint64_t range) {
  return static_cast<int64_t>(static_cast<uint64_t>(low) + integer_below(bits, range));
}

// True with probability p: the draw's 53-bit uniform falls below p (never for p = 0, always for 1).
CR_FORMULA bool bernoulli_draw(uint64_t bits, double p) { return unit_uniform<double>(bits) < p; }

}  // namespace cr
