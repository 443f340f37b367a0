// A global cap on calls in progress: a flood from one client gets RESOURCE_EXHAUSTED
// instead of queueing work the agent cannot keep up with.
#pragma once

#include <atomic>
#include <memory>

#include "absl/status/statusor.h"

namespace osfleet::agent {

// Held while a call is in progress; the slot is freed when the last copy goes away.
using CallSlot = std::shared_ptr<void>;

class CallLimiter {
 public:
  explicit CallLimiter(int max_calls) : max_(max_calls) {}
  CallLimiter(const CallLimiter&) = delete;
  CallLimiter& operator=(const CallLimiter&) = delete;

  // A slot, or RESOURCE_EXHAUSTED "too many calls in progress (64)". The limiter must
  // outlive every slot.
  absl::StatusOr<CallSlot> Acquire();
  int in_flight() const { return in_flight_.load(); }
  int max() const { return max_; }

 private:
  const int max_;
  std::atomic<int> in_flight_{0};
};

}  // namespace osfleet::agent
