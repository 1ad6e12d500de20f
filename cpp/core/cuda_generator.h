// The CUDA generators, one per GPU, as PyTorch's Philox ones: a seed and an offset into the seed's
// counter-based stream (core/counter_rng.h). A random GPU op reserves the draws it makes on the
// host (offset += count) and its kernel computes draw i from (seed, offset + i), so drawing never
// waits for the GPU, and a seed fixes every value. Host state only: the core holds them with or
// without CUDA (chainrule.cuda.manual_seed and friends, chainrule.manual_seed for all of them).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "core/counter_rng.h"
#include "core/device.h"
#include "core/random.h"

namespace cr {

class CudaGenerator {
 public:
  static constexpr int kMaxDevices = 64;
  static constexpr uint64_t kDefaultSeed = 67280421310721ull;  // PyTorch's default_rng_seed_val

  // The generator of GPU `index`; ValueError outside [0, kMaxDevices).
  static CudaGenerator& for_device(int index);
  // Seeds every GPU's generator (chainrule.manual_seed, chainrule.cuda.manual_seed_all).
  static void manual_seed_all(uint64_t seed);

  void manual_seed(uint64_t seed);  // the stream of `seed`, from its start
  uint64_t initial_seed() const;
  // The next `count` draws of the stream, for one op; the offset moves past them.
  CounterStream reserve(uint64_t count);
  // The next draw, as the seed of a host generator for the GPU ops that draw on the host
  // (randperm, multinomial).
  uint64_t host_seed() { return reserve(1).draw(0); }
  // {seed, offset}, behind chainrule.cuda.get_rng_state; set_state restores it.
  std::array<uint64_t, 2> state() const;
  void set_state(uint64_t seed, uint64_t offset);

 private:
  mutable std::mutex mutex_;
  uint64_t seed_ = kDefaultSeed;
  uint64_t offset_ = 0;
};

// The CUDA generator the random op `op` on `device` draws from: the private one `g` stands for
// (chainrule.Generator(device="cuda")), else that GPU's when `g` is the global generator (the op
// was given no generator=), else nullptr: CPU tensors, and draws from a private CPU generator (a
// chainrule.Generator), stay on the host. RuntimeError, as PyTorch's, for a CUDA generator given to
// an op on the CPU, or naming op when the GPU is not available.
CudaGenerator* cuda_generator_for(Device device, const Generator& g, const char* op);

}  // namespace cr
