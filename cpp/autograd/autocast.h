// Autocast (torch.autocast on the CPU): inside a region, the ops of PyTorch's CPU lists run on cast
// inputs. Matrix products and convolutions run in the region's lower precision (bfloat16 unless
// asked otherwise); losses, 3-d pooling, some paddings and linear algebra run in float32. Any other
// op runs in its inputs' dtype. The state is thread-local, as in PyTorch.
//
// A listed op opens with one line, e.g. in linear:
//     CR_AUTOCAST(lowered, linear, x, weight, bias);
// Inside a region this reruns the op on its cast tensor arguments with the region suspended, so the
// op's own sub-ops run as written (PyTorch excludes its autocast key the same way); outside a region
// it costs one thread-local flag test. Casts of leaf weights are cached until the outermost region
// ends, so a weight used many times in a step is cast once.
//
// Only CPU tensors are cast: a 'cuda' region is tracked (is_autocast_enabled answers) but casts
// nothing yet.
#pragma once

#include <string>

#include "core/tensor.h"

namespace cr::autocast {

// The region's state for one device type ("cpu", "cuda", "mps", "xpu").
bool is_enabled(const std::string& device_type);
void set_enabled(const std::string& device_type, bool enabled);
DType dtype(const std::string& device_type);
void set_dtype(const std::string& device_type, DType dtype);
bool is_cache_enabled();
void set_cache_enabled(bool enabled);
int increment_nesting();
int decrement_nesting();  // the new depth; the caller clears the cache when it reaches 0
void clear_cache();

// Whether a CPU region is on: the test each listed op makes.
bool cpu_enabled();

// The casts of the three policies. Each returns t itself when t is not a CPU floating tensor the
// policy touches; lowered leaves float64 alone, as PyTorch does.
Tensor lowered(const Tensor& t);   // float32/float16/bfloat16 -> the region's dtype
Tensor float32(const Tensor& t);   // float16/bfloat16 -> float32

// Turns the CPU region off for a listed op's body and back on after it.
class Suspend {
 public:
  Suspend();
  ~Suspend();
  Suspend(const Suspend&) = delete;
  Suspend& operator=(const Suspend&) = delete;

 private:
  bool previous_;
};

// The argument of a rerun: tensors cast by the policy, everything else as it was.
template <class T>
const T& cast_arg(Tensor (*)(const Tensor&), const T& value) { return value; }
inline Tensor cast_arg(Tensor (*policy)(const Tensor&), const Tensor& t) { return policy(t); }

template <class Op, class... Args>
auto rerun(Tensor (*policy)(const Tensor&), Op op, const Args&... args) {
  Suspend suspend;
  return op(cast_arg(policy, args)...);
}

}  // namespace cr::autocast

// The first line of a listed op (see the header comment); policy is lowered or float32.
#define CR_AUTOCAST(policy, op, ...)                                                                      \
  if (::cr::autocast::cpu_enabled())                                                                      \
    return ::cr::autocast::rerun(&::cr::autocast::policy, [](const auto&... a) { return op(a...); }, __VA_ARGS__)
