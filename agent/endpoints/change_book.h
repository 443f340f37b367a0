// The book of endpoint changes: the one change pending confirmation, with the arithmetic of
// its confirm window and lease (when each starts and ends, what a renewal moves, why it
// ended), and how recent changes ended (for Renew and a repeated Confirm).
//
// The book decides; ChangeManager does the I/O (the record on disk, the revert, the
// restarts) and the waiting. Windows and leases run on the monotonic clock; the wall clock
// only gives the deadline the record keeps, which is all that survives an agent restart.
// Thread-safe: every call takes only the book's own lock, so Renew never waits behind a
// change or a restart.
#pragma once

#include <deque>
#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "agent/endpoints/pending_change.h"
#include "common/time/clock.h"

namespace osfleet::agent {

// Where a change stands, as Renew reports it.
enum class ChangeStatus { kPending, kConfirmed, kReverting, kReverted, kUnknown };

struct RenewOutcome {
  ChangeStatus status = ChangeStatus::kUnknown;
  std::string revision;  // the change's revision while pending; else empty
  absl::Duration lease_remaining;
  absl::Duration confirm_remaining;
  std::string detail;  // why it is not pending
  // Set when this Renew moved the lease's end (PENDING only): where it was and is now, on
  // the wall clock, for the audit line.
  bool moved = false;
  absl::Time lease_end_before;
  absl::Time lease_end_after;
};

// How a change that is no longer pending ended.
struct EndedChange {
  ChangeStatus status = ChangeStatus::kUnknown;
  std::string detail;  // "confirmed", "reverted: ...", or why its revert is still due
};

// A wall-clock deadline as messages and logs show it (UTC, to the second).
std::string DeadlineText(absl::Time deadline);

class ChangeBook {
 public:
  // How many ended changes are remembered (the newest); older ones are "not known".
  static constexpr size_t kEndedKept = 64;

  explicit ChangeBook(const Clock* clock) : clock_(clock) {}

  // --- The clocks of a change. Each returns `change` with its deadlines set from now. ---

  // About to be written: the window runs, the lease not yet (a restart may take longer
  // than a lease, and the client is waiting for the change meanwhile).
  PendingChange Opened(PendingChange change) const;
  // Written and healthy: the window and the lease start now.
  PendingChange Started(PendingChange change) const;
  // Left pending by an earlier run of the agent (from its record): what is left of the
  // window by the wall clock, never more than the window, and a whole lease as if just
  // renewed, never past the window.
  PendingChange Resumed(PendingChange change) const;

  // Whether its lease or window has ended: its revert is decided, nothing renews or
  // confirms it any more.
  bool HasEnded(const PendingChange& change) const;
  // Why it ended, for messages and the audit log ("its lease of 30s ended 2s ago without
  // a renewal", "not confirmed by ... (its window ended ...)").
  std::string EndReason(const PendingChange& change) const;
  // OK while `change` runs; once it has ended, FAILED_PRECONDITION "change ... cannot be
  // <done>: <why it ended>; it is being reverted".
  absl::Status CheckRunning(const PendingChange& change, absl::string_view done) const;

  // --- The book. ---

  std::optional<PendingChange> pending() const;
  void SetPending(std::optional<PendingChange> change);
  // `change_id` ended as `status` says: it is no longer pending (if it was) and is
  // remembered, with `detail`, among the newest kEndedKept.
  void End(const std::string& change_id, ChangeStatus status, std::string detail);
  // How `change_id` ended, if it is among those remembered.
  std::optional<EndedChange> Ended(absl::string_view change_id) const;

  // ABORTED naming the pending change while there is one (one change at a time).
  absl::Status CheckNonePending() const;
  // Sets the lease of the pending change `change_id` to end `lease` from now (zero: the
  // length it was granted; shorter: its owner shortening it; the caller checks the
  // bounds), never past the window, unless it has ended. PERMISSION_DENIED naming the
  // owner when `owner` is not the one who made it (a record from an older agent has no
  // owner: anyone may). Answers with where the change stands.
  absl::StatusOr<RenewOutcome> Renew(absl::string_view change_id, absl::Duration lease,
                                     absl::string_view owner);
  // Confirm's answer for a change that has ended: its id when it was confirmed (a client
  // retrying a lost answer), else FAILED_PRECONDITION; nullopt when none is remembered.
  std::optional<absl::StatusOr<std::string>> ConfirmAnswer(absl::string_view change_id) const;
  // A revert's refusal when `change_id` is not the pending change (`pending`): a client
  // never reverts a change another client made.
  absl::Status NotThePending(absl::string_view change_id,
                             const std::optional<PendingChange>& pending) const;

 private:
  // Both clocks from now: `window_left` of the window and, when it has one, a lease,
  // never past the window.
  PendingChange Running(PendingChange change, absl::Duration window_left) const;
  // Renew's move of the lease's end of `p`; out->moved and where, when it did move.
  void MoveLease(PendingChange* p, absl::Duration lease, absl::Duration now,
                 RenewOutcome* out) const;
  // Where the running change `p` stands: PENDING, its revision, what is left.
  void AddStanding(const PendingChange& p, absl::Duration now, RenewOutcome* out) const;
  RenewOutcome NotPending(absl::string_view change_id) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Clock* clock_;
  mutable absl::Mutex mu_;
  std::optional<PendingChange> pending_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, EndedChange, std::less<>> ended_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> ended_order_ ABSL_GUARDED_BY(mu_);  // oldest first
};

}  // namespace osfleet::agent
