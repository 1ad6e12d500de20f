// Autocast's thread-local state, its casts and its cache of cast weights (see autocast.h).
#include "autograd/autocast.h"

#include <unordered_map>

#include "autograd/grad_mode.h"
#include "core/error.h"
#include "ops/copy.h"

namespace cr::autocast {

namespace {

struct Region {
  bool enabled = false;
  DType dtype;
};

// PyTorch's defaults: bfloat16 on the CPU, float16 on GPUs.
struct State {
  Region cpu{false, DType::BFloat16}, cuda{false, DType::Float16}, mps{false, DType::Float16},
      xpu{false, DType::BFloat16};
  bool cache_enabled = true;
  int nesting = 0;
  // A cast leaf weight, with its source held so that its address cannot be reused while cached.
  std::unordered_map<const TensorImpl*, std::pair<Tensor, Tensor>> cast_weights;
};

thread_local State g_state;

Region& region(const std::string& device_type) {
  if (device_type == "cpu") return g_state.cpu;
  if (device_type == "cuda") return g_state.cuda;
  if (device_type == "mps") return g_state.mps;
  if (device_type == "xpu") return g_state.xpu;
  CR_FAIL(RuntimeError, "User specified an unsupported autocast device_type '", device_type, "'");
}

bool is_cpu_floating(const Tensor& t) { return t && t->device().is_cpu() && is_floating(t->dtype()); }

// PyTorch caches the casts of float32 leaf weights that require grad; recorded casts only, so a
// cast made under no_grad is never handed to a step that needs its graph.
bool is_cacheable(const Tensor& t) {
  return g_state.cache_enabled && GradMode::is_enabled() && t->dtype() == DType::Float32 && t->requires_grad() &&
         t->is_leaf() && !t->view_base();
}

}  // namespace

bool is_enabled(const std::string& device_type) { return region(device_type).enabled; }
void set_enabled(const std::string& device_type, bool enabled) { region(device_type).enabled = enabled; }
DType dtype(const std::string& device_type) { return region(device_type).dtype; }
void set_dtype(const std::string& device_type, DType dtype) { region(device_type).dtype = dtype; }
bool is_cache_enabled() { return g_state.cache_enabled; }
void set_cache_enabled(bool enabled) { g_state.cache_enabled = enabled; }
int increment_nesting() { return ++g_state.nesting; }
int decrement_nesting() { return --g_state.nesting; }
void clear_cache() { g_state.cast_weights.clear(); }
bool cpu_enabled() { return g_state.cpu.enabled; }

Tensor lowered(const Tensor& t) {
  const DType target = g_state.cpu.dtype;
  if (!is_cpu_floating(t) || t->dtype() == DType::Float64 || t->dtype() == target) return t;
  if (!is_cacheable(t)) return to_dtype(t, target);
  auto found = g_state.cast_weights.find(t.get());
  if (found != g_state.cast_weights.end() && found->second.second->dtype() == target) return found->second.second;
  Tensor cast = to_dtype(t, target);
  g_state.cast_weights[t.get()] = {t, cast};
  return cast;
}

Tensor float32(const Tensor& t) {
  return is_cpu_floating(t) && is_reduced_float(t->dtype()) ? to_dtype(t, DType::Float32) : t;
}

Suspend::Suspend() : previous_(g_state.cpu.enabled) { g_state.cpu.enabled = false; }
Suspend::~Suspend() { g_state.cpu.enabled = previous_; }

}  // namespace cr::autocast
