// Whether ops record the autograd graph: on by default, off inside no_grad(). Thread-local, as in
// PyTorch, so a data-loading thread's choice never leaks into the training thread.
#pragma once

namespace cr {

class GradMode {
 public:
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

// Sets grad mode for a scope and restores the previous one on exit.
class GradModeGuard {
 public:
  explicit GradModeGuard(bool enabled) : previous_(GradMode::is_enabled()) { GradMode::set_enabled(enabled); }
  ~GradModeGuard() { GradMode::set_enabled(previous_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool previous_;
};

// Anomaly mode (torch.autograd.set_detect_anomaly): when enabled with check_nan, the engine checks
// every gradient a backward function returns and raises on NaN. Global, as in PyTorch; off by
// default, so the normal backward pays only one flag test per node.
class AnomalyMode {
 public:
  static bool is_enabled();
  static bool should_check_nan();
  static void set_enabled(bool enabled, bool check_nan = true);
};

}  // namespace cr
