// The thread-local grad-mode flag and the global anomaly-mode flags.
#include "autograd/grad_mode.h"

#include <atomic>

namespace cr {

namespace {
thread_local bool g_grad_enabled = true;
std::atomic<bool> g_anomaly_enabled{false};  // atomic: read by backward passes running without the GIL
std::atomic<bool> g_anomaly_check_nan{true};
}

bool GradMode::is_enabled() { return g_grad_enabled; }
void GradMode::set_enabled(bool enabled) { g_grad_enabled = enabled; }

bool AnomalyMode::is_enabled() { return g_anomaly_enabled; }
bool AnomalyMode::should_check_nan() { return g_anomaly_check_nan; }
void AnomalyMode::set_enabled(bool enabled, bool check_nan) {
  g_anomaly_enabled = enabled;
  g_anomaly_check_nan = check_nan;
}

}  // namespace cr
