// The per-GPU counter-based generators (core/cuda_generator.h).
#include "core/cuda_generator.h"

#include "core/error.h"

namespace cr {

namespace {
std::array<CudaGenerator, CudaGenerator::kMaxDevices>& generators() {
  static std::array<CudaGenerator, CudaGenerator::kMaxDevices> all;
  return all;
}
}  // namespace

CudaGenerator& CudaGenerator::for_device(int index) {
  CR_CHECK(index >= 0 && index < kMaxDevices, ValueError, "CUDA generator: device index ", index,
           " is outside [0, ", kMaxDevices, ")");
  return generators()[static_cast<size_t>(index)];
}

void CudaGenerator::manual_seed_all(uint64_t seed) {
  for (CudaGenerator& g : generators()) g.manual_seed(seed);
}

void CudaGenerator::manual_seed(uint64_t seed) { set_state(seed, 0); }

uint64_t CudaGenerator::initial_seed() const {
  std::lock_guard<std::mutex> hold(mutex_);
  return seed_;
}

CounterStream CudaGenerator::reserve(uint64_t count) {
  std::lock_guard<std::mutex> hold(mutex_);
  const CounterStream stream{stream_key(seed_), offset_};
  offset_ += count;
  return stream;
}

std::array<uint64_t, 2> CudaGenerator::state() const {
  std::lock_guard<std::mutex> hold(mutex_);
  return {seed_, offset_};
}

void CudaGenerator::set_state(uint64_t seed, uint64_t offset) {
  std::lock_guard<std::mutex> hold(mutex_);
  seed_ = seed;
  offset_ = offset;
}

CudaGenerator* cuda_generator_for(Device device, const Generator& g, const char* op) {
  if (device.is_cpu()) {
    CR_CHECK(!g.cuda(), RuntimeError, op, ": expected a 'cpu' device type for generator but found 'cuda'");
    return nullptr;
  }
  if (device.is_meta() || (!g.cuda() && &g != &Generator::global())) return nullptr;
  check_device_available(device, op);
  return g.cuda() ? g.cuda() : &CudaGenerator::for_device(resolve_device(device).index);
}

}  // namespace cr
