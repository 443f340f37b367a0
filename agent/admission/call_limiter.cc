#include "agent/admission/call_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace osfleet::agent {

CallLimiter::CallLimiter(int max_calls, int reserved_for_critical)
    : max_(max_calls), max_long_(max_calls - std::clamp(reserved_for_critical, 0, max_calls - 1)) {}

absl::StatusOr<CallSlot> CallLimiter::Acquire(CallKind kind) {
  const int cap = kind == CallKind::kLong ? max_long_ : max_;
  int now = in_flight_.load();
  do {
    if (now >= cap) {
      return absl::ResourceExhaustedError(absl::StrCat(kind == CallKind::kLong
                                                           ? "too many long calls in progress ("
                                                           : "too many calls in progress (",
                                                       cap, "); try again shortly"));
    }
  } while (!in_flight_.compare_exchange_weak(now, now + 1));
  return CallSlot(static_cast<void*>(this), [this](void*) { in_flight_.fetch_sub(1); });
}

int CriticalReserve(int max_calls) { return max_calls <= 1 ? 0 : std::max(1, max_calls / 4); }

}  // namespace osfleet::agent
