// Caps on calls in progress, so a flood gets RESOURCE_EXHAUSTED instead of queueing work
// the agent cannot keep up with, and no client or role can take the capacity another
// needs:
//   - every call counts against max_calls; Confirm, Renew and Rollback may use all of it,
//     every other call only what the reserve leaves (the reserve is theirs alone);
//   - calls from viewers, whatever they are, at most max_viewer at once;
//   - long calls (Set, Services.Control, RunPhase, Probe) at most max_long, so reads keep
//     room too;
//   - Probe at most max_probes from operators and max_viewer_probes from viewers.
// Which class each RPC's slot is counted in is its row's to say (rpc_policy.h).
#pragma once

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace osfleet::agent {

// Held while a call is in progress; the slot is freed when the last copy goes away.
using CallSlot = std::shared_ptr<void>;

enum class CallClass {
  kReserved,  // may use the reserve: Confirm, Renew, Rollback, RenewHold, ReleaseHold
  kRead,      // every other short call
  kLong,      // Set, Services.Control, ServiceCenter.RunPhase, Agent.Check
  kProbe,     // Endpoints.Probe: long, with caps of its own
};

struct CallLimits {
  int max_calls = 64;
  int reserve = 8;  // of max_calls, kept for kReserved calls
  int max_viewer = 16;
  int max_long = 48;  // kLong and kProbe together
  int max_probes = 8;
  int max_viewer_probes = 4;
};

// The limits for max_concurrent_calls = max_calls (>= 1): a reserve of an eighth (at least
// one, none for a single call), viewers a quarter, long calls what is left after twice the
// reserve, probes 8 (4 from viewers); each at least one.
CallLimits LimitsFor(int max_calls);

class CallLimiter {
 public:
  explicit CallLimiter(CallLimits limits);
  CallLimiter(const CallLimiter&) = delete;
  CallLimiter& operator=(const CallLimiter&) = delete;

  // A slot, or RESOURCE_EXHAUSTED naming the cap that is full: "too many calls in progress
  // (56 of 64; 8 are kept for Confirm, Renew and Rollback)", "too many calls from viewers
  // in progress (16)", "too many long calls in progress (48)", "too many Probe calls from
  // viewers in progress (4)"; each ends "; try again shortly". The limiter must outlive
  // every slot.
  absl::StatusOr<CallSlot> Acquire(CallClass cls, bool viewer = false);

  int in_flight() const;
  const CallLimits& limits() const { return limits_; }

 private:
  struct Counts {
    int calls = 0;
    int viewer = 0;
    int long_calls = 0;
    int probes = 0;
    int viewer_probes = 0;
  };
  // OK, or the RESOURCE_EXHAUSTED for the first cap the call would go over.
  absl::Status Check(CallClass cls, bool viewer) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Add(CallClass cls, bool viewer, int delta) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CallLimits limits_;
  mutable absl::Mutex mu_;
  Counts counts_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::agent
