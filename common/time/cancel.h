// A call's "stop now": long operations (the Service Center phase, service control, probes)
// ask it at each poll and stop once their client cancelled or its deadline passed. The
// default token never stops: for work nobody waits on, or that must not stop halfway (a
// change's own restart inside Endpoints.Set).
#pragma once

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace osfleet {

class CancelToken {
 public:
  // How late a cancellation may be noticed by SleepFor.
  static constexpr absl::Duration kPollStep = absl::Milliseconds(50);

  CancelToken() = default;  // never cancelled
  // cancelled: whether the client gave up (the gRPC context's IsCancelled); deadline: the
  // client's (absl::InfiniteFuture() when it set none).
  CancelToken(std::function<bool()> cancelled, absl::Time deadline)
      : cancelled_(std::move(cancelled)), deadline_(deadline) {}

  // OK while the work may go on; DEADLINE_EXCEEDED once the deadline passed, CANCELLED
  // once the client cancelled (a passed deadline also cancels a gRPC call: it wins).
  absl::Status Check() const {
    if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) {
      return absl::DeadlineExceededError("the client's deadline passed");
    }
    if (cancelled_ && cancelled_()) return absl::CancelledError("the client cancelled the call");
    return absl::OkStatus();
  }
  bool Cancelled() const { return !Check().ok(); }

  // Sleeps `d`, or less when the token is cancelled meanwhile (noticed within kPollStep).
  // Returns Check() at the end.
  absl::Status SleepFor(absl::Duration d) const {
    const absl::Time end = absl::Now() + d;
    for (absl::Status s = Check(); s.ok(); s = Check()) {
      const absl::Duration left = end - absl::Now();
      if (left <= absl::ZeroDuration()) return s;
      absl::SleepFor(std::min(left, kPollStep));
    }
    return Check();
  }

 private:
  std::function<bool()> cancelled_;
  absl::Time deadline_ = absl::InfiniteFuture();
};

}  // namespace osfleet
