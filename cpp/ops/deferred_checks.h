// Checks of values that live on a GPU, made there without waiting for it. An op computes, with GPU
// kernels, whether its check failed and one offending value (index bounds, class targets), records
// them here, and goes on with safe (clamped) values; the record is read at the next point that
// waits for the GPU anyway (a copy to the host: .item(), .tolist(), .cpu(), printing; or
// cuda.synchronize()), which raises the op's error then. PyTorch's device-side asserts also surface
// at the next synchronization, but kill the process; these raise the CPU's Python exception. A loop
// that never waits does not pile checks up: every kMaxPendingChecks-th check reads them all (one
// wait per that many checks).
// CPU tensors are checked on the spot, as before, and never come here.
#pragma once

#include <string>

#include "core/error.h"
#include "core/tensor.h"

namespace cr {

// Throws the error type E with a message: the kind of error a deferred check raises.
using RaiseError = void (*)(const std::string& message);
template <typename E>
[[noreturn]] void raise_error(const std::string& message) {
  throw E(message);
}

constexpr size_t kMaxPendingChecks = 1024;

// failed: a 0-d bool tensor, true when the check failed; witness: a 0-d int64 tensor holding an
// offending value. The error, when raised, is raise(before + witness + after).
void defer_check(const Tensor& failed, const Tensor& witness, RaiseError raise, std::string before,
                 std::string after);

// The usual check: every value (int64, on a GPU) in [low, high), except where `exempt` (a bool
// tensor of values' shape, or null) is true; the witness is the largest offending value. Returns
// the offending mask, for the caller to make its reads safe. An empty tensor has nothing to check.
Tensor defer_range_check(const Tensor& values, int64_t low, int64_t high, RaiseError raise, std::string before,
                         std::string after, const Tensor& exempt = Tensor());

// Raises the first failed deferred check (and forgets them all); reads the flags, so it waits for
// the GPU: called only where the caller waits anyway.
void raise_deferred_checks();

// How many checks wait to be read (at most kMaxPendingChecks), for tests.
size_t pending_deferred_checks();

}  // namespace cr
