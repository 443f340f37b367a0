// The fleet-wide hold: one rollout at a time per fleet. The Deployment Controller's agent
// keeps it for the rollout that took it, with a change lease's semantics: it ends unless
// renewed within its lease, and only its taker (same certificate identity and serial) may
// renew or release it. Two rollouts started together therefore never both change the
// fleet: the second is refused before its first change, told who holds it.
//
// Expiry is decided on the monotonic clock at every call (nothing happens when a hold
// ends except that the next take succeeds), so no timer is needed. The hold is kept in
// the state dir (hold.json, wall-clock end) so that an agent restarted mid-rollout does
// not free it: the restarted agent gives it what is left of its lease by the wall clock,
// never more than its lease.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace osfleet::agent {

// Who took a hold, as the agent identified the caller.
struct HoldOwner {
  std::string identity;  // certificate CN (or insecure-loopback)
  std::string serial;    // certificate serial; empty without a certificate
};

struct HoldRecord {
  std::string hold_id;
  std::string rollout_id;
  std::string workstation;
  uint32_t pid = 0;
  HoldOwner owner;
  absl::Time since;       // wall clock, when taken
  absl::Time lease_ends;  // wall clock, unless renewed
  absl::Duration lease;   // the length it was taken with

  // This process's view (not stored): the Clock::Monotonic() end of the lease.
  absl::Duration until = absl::InfiniteDuration();
};

// A hold as answered to a client: the record and how much of its lease is left now.
struct HoldView {
  HoldRecord record;
  absl::Duration remaining;
};

struct TakeHoldInput {
  std::string rollout_id;
  std::string workstation;
  uint32_t pid = 0;
  absl::Duration lease;
  HoldOwner owner;
};

struct TakeHoldOutcome {
  HoldView hold;
  std::string replaced;  // the ended hold it replaced, described; "" when none
};

class FleetHold {
 public:
  // `refusal`: empty on the Deployment Controller's agent; elsewhere why this agent keeps
  // no hold (every call is refused FAILED_PRECONDITION with it). `path`: hold.json.
  FleetHold(std::string path, std::string refusal, const Clock* clock = Clock::Real());

  // Picks up a hold kept by an earlier run (call once at start-up). A corrupt record is
  // reported and ignored (DATA_LOSS): the file is left for the administrator.
  absl::Status Recover();

  // FAILED_PRECONDITION naming the holder while another hold's lease runs; a hold of the
  // same rollout taken by the same client (a resumed rollout whose osctl died) is taken over.
  absl::StatusOr<TakeHoldOutcome> Take(const TakeHoldInput& input);
  // lease zero: the length it was taken with.
  absl::StatusOr<HoldView> Renew(absl::string_view hold_id, const HoldOwner& caller,
                                 absl::Duration lease);
  absl::Status Release(absl::string_view hold_id, const HoldOwner& caller);
  // The hold whose lease runs now, if any.
  std::optional<HoldView> Current() const;

  // "rollout R (alice, ws01 pid 42) since 2026-...Z; its lease ends 2026-...Z (in 12s)".
  static std::string Describe(const HoldView& hold);

 private:
  // The hold if held and its lease has not ended.
  std::optional<HoldView> LiveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The held hold `hold_id`, owned by `caller`; else why not.
  absl::StatusOr<HoldRecord*> OwnedLocked(absl::string_view hold_id, const HoldOwner& caller)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status SaveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const std::string refusal_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  std::optional<HoldRecord> hold_ ABSL_GUARDED_BY(mu_);
};

}  // namespace osfleet::agent
