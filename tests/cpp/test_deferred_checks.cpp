// Deferred checks (ops/deferred_checks.h) on the host: a failed check raises its error, with its
// witness value, at the next raise_deferred_checks and only once; a passing one raises nothing.
// On a GPU the flags are GPU tensors read at the next wait; the bookkeeping is the same.
#include <gtest/gtest.h>

#include <string>

#include "ops/creation.h"
#include "ops/deferred_checks.h"

namespace cr {
namespace {

Tensor flag(bool failed) { return scalar_tensor(Scalar(failed), DType::Bool, kCpu); }
Tensor value(int64_t v) { return scalar_tensor(Scalar(v), DType::Int64, kCpu); }

TEST(DeferredChecks, AFailedCheckRaisesItsErrorOnce) {
  defer_check(flag(false), value(1), raise_error<IndexError>, "gather: index ", " is fine");
  defer_check(flag(true), value(9), raise_error<IndexError>, "gather: index ", " is out of bounds for dim 0 with size 4");
  try {
    raise_deferred_checks();
    FAIL() << "expected an IndexError";
  } catch (const IndexError& e) {
    EXPECT_EQ(std::string(e.what()), "gather: index 9 is out of bounds for dim 0 with size 4");
  }
  EXPECT_NO_THROW(raise_deferred_checks());  // reported once, then forgotten
}

TEST(DeferredChecks, ALoopThatNeverWaitsDoesNotPileChecksUp) {
  for (size_t i = 0; i < 3 * kMaxPendingChecks; ++i) {
    defer_check(flag(false), value(1), raise_error<IndexError>, "embedding: index ", " is fine");
    ASSERT_LT(pending_deferred_checks(), kMaxPendingChecks);
  }
  defer_check(flag(true), value(7), raise_error<IndexError>, "embedding: index ", " is out of range");
  EXPECT_THROW(raise_deferred_checks(), IndexError);  // the failed one is still reported
}

TEST(DeferredChecks, PassingChecksRaiseNothing) {
  defer_check(flag(false), value(-1), raise_error<ValueError>, "op: ", "");
  EXPECT_NO_THROW(raise_deferred_checks());
}

}  // namespace
}  // namespace cr
