// A global cap on calls in progress: a flood from one client gets RESOURCE_EXHAUSTED
// instead of queueing work the agent cannot keep up with. Part of the cap is reserved for
// time-critical calls (Confirm, Renew, Rollback, reads): long calls (the Service Center
// phase, service control, probes, Set) can never take the slots those need.
#pragma once

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"

namespace osfleet::agent {

// Held while a call is in progress; the slot is freed when the last copy goes away.
using CallSlot = std::shared_ptr<void>;

enum class CallKind { kCritical, kLong };

class CallLimiter {
 public:
  // At most max_calls in progress; long calls only while fewer than
  // max_calls - reserved_for_critical are (reserved_for_critical is clamped to 0..max-1).
  explicit CallLimiter(int max_calls, int reserved_for_critical = 0);
  CallLimiter(const CallLimiter&) = delete;
  CallLimiter& operator=(const CallLimiter&) = delete;

  // A slot, or RESOURCE_EXHAUSTED "too many calls in progress (64)" / "too many long
  // calls in progress (48)". The limiter must outlive every slot.
  absl::StatusOr<CallSlot> Acquire(CallKind kind = CallKind::kCritical);
  int in_flight() const { return in_flight_.load(); }
  int max() const { return max_; }
  int max_long() const { return max_long_; }

 private:
  const int max_;
  const int max_long_;
  std::atomic<int> in_flight_{0};
};

// The part of `max_calls` kept for time-critical calls: a quarter, at least one (none
// when the cap is a single call).
int CriticalReserve(int max_calls);

}  // namespace osfleet::agent
