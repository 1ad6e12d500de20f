// The pending deferred checks (ops/deferred_checks.h): one process-wide list, taken whole by the
// reader, so that reading a flag (itself a copy to the host) never re-enters it.
#include "ops/deferred_checks.h"

#include <mutex>
#include <vector>

#include "autograd/grad_mode.h"
#include "ops/copy.h"
#include "ops/elementwise.h"
#include "ops/reduce.h"

namespace cr {

namespace {

struct PendingCheck {
  Tensor failed, witness;
  RaiseError raise;
  std::string before, after;
};

std::mutex pending_mutex;
std::vector<PendingCheck> pending;

}  // namespace

void defer_check(const Tensor& failed, const Tensor& witness, RaiseError raise, std::string before,
                 std::string after) {
  bool full = false;
  {
    std::lock_guard<std::mutex> lock(pending_mutex);
    pending.push_back({failed, witness, raise, std::move(before), std::move(after)});
    full = pending.size() >= kMaxPendingChecks;
  }
  if (full) raise_deferred_checks();
}

size_t pending_deferred_checks() {
  std::lock_guard<std::mutex> lock(pending_mutex);
  return pending.size();
}

Tensor defer_range_check(const Tensor& values, int64_t low, int64_t high, RaiseError raise, std::string before,
                         std::string after, const Tensor& exempt) {
  GradModeGuard no_record(false);
  Tensor bad = binary(BinaryOp::LogicalOr, binary(BinaryOp::Lt, values, Scalar(low)),
                      binary(BinaryOp::Ge, values, Scalar(high)));
  if (exempt) bad = binary(BinaryOp::LogicalAnd, bad, unary(UnaryOp::LogicalNot, exempt));
  if (values->numel() > 0) {  // the witness, a max, needs an element
    defer_check(any(bad), amax(where(bad, values, Scalar(INT64_MIN))), raise, std::move(before), std::move(after));
  }
  return bad;
}

void raise_deferred_checks() {
  std::vector<PendingCheck> checks;
  {
    std::lock_guard<std::mutex> lock(pending_mutex);
    if (pending.empty()) return;
    checks.swap(pending);
  }
  for (const PendingCheck& c : checks) {
    if (item(c.failed).i != 0) c.raise(str_cat(c.before, item(c.witness).i, c.after));
  }
}

}  // namespace cr
