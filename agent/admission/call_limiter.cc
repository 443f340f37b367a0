#include "agent/admission/call_limiter.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace osfleet::agent {
namespace {

absl::Status Full(absl::string_view what, int cap, absl::string_view note = "") {
  return absl::ResourceExhaustedError(
      absl::StrCat("too many ", what, " in progress (", cap, note, "); try again shortly"));
}

bool IsProbe(CallClass cls) { return cls == CallClass::kProbe; }
bool IsLong(CallClass cls) { return cls == CallClass::kLong || cls == CallClass::kProbe; }

}  // namespace

CallLimits LimitsFor(int max_calls) {
  CallLimits l;
  l.max_calls = std::max(1, max_calls);
  l.reserve = l.max_calls <= 1 ? 0 : std::max(1, l.max_calls / 8);
  l.max_viewer = std::max(1, l.max_calls / 4);
  l.max_long = std::max(1, l.max_calls - 2 * l.reserve);
  l.max_probes = std::clamp(l.max_long, 1, 8);
  l.max_viewer_probes = std::clamp(l.max_viewer, 1, 4);
  return l;
}

CallLimiter::CallLimiter(CallLimits limits) : limits_(limits) {}

absl::Status CallLimiter::Check(CallClass cls, bool viewer) const {
  const CallLimits& l = limits_;
  if (cls == CallClass::kReserved) {
    if (counts_.calls >= l.max_calls) return Full("calls", l.max_calls);
  } else if (counts_.calls >= l.max_calls - l.reserve) {
    return Full("calls", l.max_calls - l.reserve,
                l.reserve == 0 ? std::string()
                               : absl::StrCat(" of ", l.max_calls, "; ", l.reserve,
                                              " are kept for Confirm, Renew and Rollback"));
  }
  if (viewer && counts_.viewer >= l.max_viewer) return Full("calls from viewers", l.max_viewer);
  if (IsLong(cls) && counts_.long_calls >= l.max_long) return Full("long calls", l.max_long);
  if (IsProbe(cls) && viewer && counts_.viewer_probes >= l.max_viewer_probes) {
    return Full("Probe calls from viewers", l.max_viewer_probes);
  }
  if (IsProbe(cls) && !viewer && counts_.probes >= l.max_probes) {
    return Full("Probe calls", l.max_probes);
  }
  return absl::OkStatus();
}

void CallLimiter::Add(CallClass cls, bool viewer, int delta) {
  counts_.calls += delta;
  if (viewer) counts_.viewer += delta;
  if (IsLong(cls)) counts_.long_calls += delta;
  if (IsProbe(cls)) (viewer ? counts_.viewer_probes : counts_.probes) += delta;
}

absl::StatusOr<CallSlot> CallLimiter::Acquire(CallClass cls, bool viewer) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = Check(cls, viewer); !s.ok()) return s;
  Add(cls, viewer, 1);
  return CallSlot(static_cast<void*>(this), [this, cls, viewer](void*) {
    absl::MutexLock lock(&mu_);
    Add(cls, viewer, -1);
  });
}

int CallLimiter::in_flight() const {
  absl::MutexLock lock(&mu_);
  return counts_.calls;
}

}  // namespace osfleet::agent
