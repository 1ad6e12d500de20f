// Seeding and sampling of the global generator (Box-Muller normals, unbiased integers).
#include "core/random.h"

#include <chrono>
#include <cmath>

namespace cr {

Generator& Generator::global() {
  static Generator g;
  return g;
}

uint64_t Generator::default_seed() {
  return static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
}

void Generator::manual_seed(uint64_t seed) {
  seed_ = seed;
  engine_.seed(seed);
  has_spare_normal_ = false;
}

double Generator::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u1 = 1.0 - uniform();  // (0, 1]: log(u1) is finite
  double u2 = uniform();
  double r = std::sqrt(-2.0 * std::log(u1));
  spare_normal_ = r * std::sin(2.0 * M_PI * u2);
  has_spare_normal_ = true;
  return r * std::cos(2.0 * M_PI * u2);
}

int64_t Generator::integer(int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high - 1)(engine_);
}

}  // namespace cr
