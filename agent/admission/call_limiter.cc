#include "agent/admission/call_limiter.h"

#include "absl/strings/str_cat.h"

namespace osfleet::agent {

absl::StatusOr<CallSlot> CallLimiter::Acquire() {
  int now = in_flight_.load();
  do {
    if (now >= max_) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many calls in progress (", max_, "); try again shortly"));
    }
  } while (!in_flight_.compare_exchange_weak(now, now + 1));
  return CallSlot(static_cast<void*>(this), [this](void*) { in_flight_.fetch_sub(1); });
}

}  // namespace osfleet::agent
