// float16 <-> float32 over contiguous memory (see reduced_float_copy.h), split over threads.
#include "cpu/reduced_float_copy.h"

#ifdef __F16C__
#include <immintrin.h>
#endif

#include "cpu/parallel.h"

namespace cr::cpu {

namespace {

constexpr int64_t kGrain = 1 << 15;  // elements per task: a conversion is a few cycles each

void widen_run(const Half* in, float* out, int64_t n) {
  int64_t i = 0;
#ifdef __F16C__
  for (; i + 8 <= n; i += 8) {
    const __m128i halves = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    _mm256_storeu_ps(out + i, _mm256_cvtph_ps(halves));
  }
#endif
  for (; i < n; ++i) out[i] = to_float(in[i]);
}

void narrow_run(const float* in, Half* out, int64_t n) {
  int64_t i = 0;
#ifdef __F16C__
  for (; i + 8 <= n; i += 8) {
    const __m128i halves = _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), halves);
  }
#endif
  for (; i < n; ++i) out[i] = to_half(in[i]);
}

}  // namespace

void half_to_float(const Half* in, float* out, int64_t n) {
  parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) { widen_run(in + begin, out + begin, end - begin); });
}

void float_to_half(const float* in, Half* out, int64_t n) {
  parallel_for(0, n, kGrain, [&](int64_t begin, int64_t end) { narrow_run(in + begin, out + begin, end - begin); });
}

}  // namespace cr::cpu
