// The one seeded random generator behind rand, randn, randint, dropout, init and shuffling.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

namespace cr {

class CudaGenerator;  // core/cuda_generator.h

class Generator {
 public:
  static Generator& global();
  // A private generator (for ops given their own seed, such as chainrule.Generator's draws).
  explicit Generator(uint64_t seed) { manual_seed(seed); }
  // A private CUDA generator's stand-in (chainrule.Generator(device="cuda")): ops draw from `cuda`
  // (cuda_generator_for), never from this engine.
  explicit Generator(CudaGenerator& cuda) : cuda_(&cuda) { manual_seed(0); }
  CudaGenerator* cuda() const { return cuda_; }
  void manual_seed(uint64_t seed);
  uint64_t initial_seed() const {
    std::lock_guard<std::mutex> hold(mutex_);
    return seed_;
  }
  // The whole state as 64-bit words (seed, the cached Box-Muller normal, the engine's words), behind
  // chainrule.get_rng_state; set_state restores it, so the same draws follow (ValueError if the words
  // are not such a state).
  std::vector<uint64_t> state() const;
  void set_state(const std::vector<uint64_t>& words);

  // Held by an op for the whole of its draws (rand, randn, dropout's key, ...): ops may run without
  // the GIL, so two threads can draw at once. uniform/normal/integer expect the caller to hold it;
  // manual_seed, state and set_state take it themselves.
  [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  double uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(engine_); }  // [0, 1)
  double normal();
  int64_t integer(int64_t low, int64_t high);  // [low, high)

 private:
  Generator() { manual_seed(default_seed()); }
  static uint64_t default_seed();
  mutable std::mutex mutex_;
  CudaGenerator* cuda_ = nullptr;
  std::mt19937_64 engine_;
  uint64_t seed_ = 0;
  bool has_spare_normal_ = false;
  double spare_normal_ = 0;
};

}  // namespace cr
