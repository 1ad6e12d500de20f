// Seeding and sampling of the global generator (Box-Muller normals, unbiased integers).
#include "core/random.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <sstream>

#include "core/error.h"

namespace cr {

Generator& Generator::global() {
  static Generator g;
  return g;
}

uint64_t Generator::default_seed() {
  return static_cast<uint64_t>(std::chrono::high_resolution_clock::now().time_since_epoch().count());
}

void Generator::manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> hold(mutex_);
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

// Layout: [seed, has_spare_normal, bits of spare_normal, the engine's words as its operator<< writes
// them (the 312 state words, then the position)].
std::vector<uint64_t> Generator::state() const {
  std::lock_guard<std::mutex> hold(mutex_);
  uint64_t spare_bits;
  std::memcpy(&spare_bits, &spare_normal_, sizeof spare_bits);
  std::vector<uint64_t> words{seed_, has_spare_normal_ ? 1u : 0u, spare_bits};
  std::stringstream text;
  text << engine_;
  for (uint64_t w; text >> w;) words.push_back(w);
  return words;
}

void Generator::set_state(const std::vector<uint64_t>& words) {
  constexpr size_t kEngineWords = std::mt19937_64::state_size + 1;
  CR_CHECK(words.size() == 3 + kEngineWords && words[1] <= 1 && words.back() <= std::mt19937_64::state_size,
           ValueError, "set_rng_state: expected a state from get_rng_state (", 3 + kEngineWords,
           " words), got ", words.size(), " words that do not form one");
  std::stringstream text;
  for (size_t i = 3; i < words.size(); ++i) text << words[i] << ' ';
  std::mt19937_64 engine;
  text >> engine;
  CR_CHECK(!text.fail(), ValueError, "set_rng_state: the state's engine words could not be read");
  std::lock_guard<std::mutex> hold(mutex_);
  engine_ = engine;
  seed_ = words[0];
  has_spare_normal_ = words[1] != 0;
  std::memcpy(&spare_normal_, &words[2], sizeof spare_normal_);
}

int64_t Generator::integer(int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high - 1)(engine_);
}

}  // namespace cr
