#include "agent/endpoints/change_book.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace osfleet::agent {
namespace {

std::string Ago(absl::Duration d) {
  return absl::StrCat(absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(100))), " ago");
}

}  // namespace

std::string DeadlineText(absl::Time deadline) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", deadline, absl::UTCTimeZone());
}

PendingChange ChangeBook::Running(PendingChange change, absl::Duration window_left) const {
  const absl::Duration now = clock_->Monotonic();
  change.confirm_until = now + window_left;
  change.lease_until =
      change.has_lease() ? now + std::min(change.lease, window_left) : absl::InfiniteDuration();
  return change;
}

PendingChange ChangeBook::Opened(PendingChange change) const {
  change.deadline = clock_->Now() + change.window;
  change.confirm_until = clock_->Monotonic() + change.window;
  change.lease_until = absl::InfiniteDuration();
  return change;
}

PendingChange ChangeBook::Started(PendingChange change) const {
  const absl::Duration window = change.window;
  change.deadline = clock_->Now() + window;
  return Running(std::move(change), window);
}

PendingChange ChangeBook::Resumed(PendingChange change) const {
  // The wall clock is the only one that survives the restart; a window that seems longer
  // than it was (the clock was set back) is cut to the window.
  absl::Duration left = std::max(change.deadline - clock_->Now(), absl::ZeroDuration());
  if (change.window > absl::ZeroDuration()) left = std::min(left, change.window);
  return Running(std::move(change), left);
}

bool ChangeBook::HasEnded(const PendingChange& change) const {
  return clock_->Monotonic() >= change.ends();
}

std::string ChangeBook::EndReason(const PendingChange& change) const {
  const absl::Duration now = clock_->Monotonic();
  if (change.lease_until <= change.confirm_until) {
    if (change.shortened_to > absl::ZeroDuration()) {
      return absl::StrCat("its lease, shortened to ", absl::FormatDuration(change.shortened_to),
                          " by its owner's last renewal, ended ", Ago(now - change.lease_until));
    }
    return absl::StrCat("its lease of ", absl::FormatDuration(change.lease), " ended ",
                        Ago(now - change.lease_until), " without a renewal");
  }
  return absl::StrCat("not confirmed by ", DeadlineText(change.deadline), " (its window ended ",
                      Ago(now - change.confirm_until), ")");
}

absl::Status ChangeBook::CheckRunning(const PendingChange& change, absl::string_view done) const {
  if (!HasEnded(change)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat("change ", change.change_id, " cannot be ",
                                                    done, ": ", EndReason(change),
                                                    "; it is being reverted"));
}

std::optional<PendingChange> ChangeBook::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

void ChangeBook::SetPending(std::optional<PendingChange> change) {
  absl::MutexLock lock(&mu_);
  pending_ = std::move(change);
}

void ChangeBook::End(const std::string& change_id, ChangeStatus status, std::string detail) {
  absl::MutexLock lock(&mu_);
  if (pending_.has_value() && pending_->change_id == change_id) pending_.reset();
  if (ended_.find(change_id) == ended_.end()) ended_order_.push_back(change_id);
  ended_[change_id] = {status, std::move(detail)};
  while (ended_order_.size() > kEndedKept) {
    ended_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

std::optional<EndedChange> ChangeBook::Ended(absl::string_view change_id) const {
  absl::MutexLock lock(&mu_);
  auto it = ended_.find(change_id);
  if (it == ended_.end()) return std::nullopt;
  return it->second;
}

absl::Status ChangeBook::CheckNonePending() const {
  std::optional<PendingChange> p = pending();
  if (!p.has_value()) return absl::OkStatus();
  return absl::AbortedError(absl::StrCat("change ", p->change_id, " is pending confirmation until ",
                                         DeadlineText(p->deadline),
                                         "; confirm or roll it back first"));
}

absl::StatusOr<RenewOutcome> ChangeBook::Renew(absl::string_view change_id, absl::Duration lease,
                                               absl::string_view owner) {
  absl::MutexLock lock(&mu_);
  if (!pending_.has_value() || pending_->change_id != change_id) return NotPending(change_id);
  PendingChange& p = *pending_;
  // Another client's Renew could shorten a lease it does not hold (and make the owner's
  // Confirm fail): only the certificate that made the change renews it.
  if (!p.owner.empty() && p.owner != owner) {
    return absl::PermissionDeniedError(
        absl::StrCat("change ", p.change_id, " is held by ", p.owner,
                     "; only the client that made it (the same certificate) may renew it"));
  }
  // One reading of the clock: the lease granted is the lease reported.
  const absl::Duration now = clock_->Monotonic();
  RenewOutcome out;
  if (now >= p.ends()) {
    out.status = ChangeStatus::kReverting;
    out.detail = absl::StrCat(EndReason(p), "; it is being reverted");
    return out;
  }
  MoveLease(&p, lease, now, &out);
  AddStanding(p, now, &out);
  return out;
}

void ChangeBook::MoveLease(PendingChange* p, absl::Duration lease, absl::Duration now,
                           RenewOutcome* out) const {
  // Before the services are healthy (lease_until still infinite) only the window runs.
  if (!p->has_lease() || p->lease_until == absl::InfiniteDuration()) return;
  const absl::Duration length = lease > absl::ZeroDuration() ? lease : p->lease;
  const absl::Duration until = std::min(now + length, p->confirm_until);
  if (until != p->lease_until) {
    const absl::Time wall = clock_->Now();
    out->moved = true;
    out->lease_end_before = wall + (p->lease_until - now);
    out->lease_end_after = wall + (until - now);
  }
  p->shortened_to = length < p->lease ? length : absl::ZeroDuration();
  p->lease_until = until;
}

void ChangeBook::AddStanding(const PendingChange& p, absl::Duration now, RenewOutcome* out) const {
  out->status = ChangeStatus::kPending;
  out->revision = p.revision;
  out->lease_remaining = !p.has_lease()                              ? absl::ZeroDuration()
                         : p.lease_until == absl::InfiniteDuration() ? p.lease
                                                                     : p.lease_until - now;
  out->confirm_remaining = p.confirm_until - now;
}

RenewOutcome ChangeBook::NotPending(absl::string_view change_id) const {
  RenewOutcome out;
  auto it = ended_.find(change_id);
  if (it != ended_.end()) {
    out.status = it->second.status;
    out.detail = it->second.detail;
    return out;
  }
  out.detail = absl::StrCat(
      "change ", change_id, " is not known to this agent",
      pending_.has_value() ? absl::StrCat("; ", pending_->change_id, " is pending") : "");
  return out;
}

std::optional<absl::StatusOr<std::string>> ChangeBook::ConfirmAnswer(
    absl::string_view change_id) const {
  if (change_id.empty()) return std::nullopt;
  std::optional<EndedChange> ended = Ended(change_id);
  if (!ended.has_value()) return std::nullopt;
  if (ended->status == ChangeStatus::kConfirmed) return std::string(change_id);
  return absl::FailedPreconditionError(
      absl::StrCat("change ", change_id, " cannot be confirmed: ", ended->detail));
}

absl::Status ChangeBook::NotThePending(absl::string_view change_id,
                                       const std::optional<PendingChange>& pending) const {
  if (std::optional<EndedChange> ended = Ended(change_id)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "change ", change_id, " is no longer pending: ", ended->detail,
        ended->status == ChangeStatus::kConfirmed ? " (restore its backup to undo it)" : ""));
  }
  if (pending.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("change ", change_id, " is not pending here; ", pending->change_id,
                     " is (another client's change: not reverted)"));
  }
  return absl::NotFoundError(
      absl::StrCat("change ", change_id, " is not pending here; nothing is pending"));
}

}  // namespace osfleet::agent
