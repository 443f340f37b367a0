#include "agent/endpoints/change_manager.h"

#include <spdlog/spdlog.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/api/logging.h"

namespace osfleet::agent {
namespace {

std::string When(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string Ago(absl::Duration d) {
  return absl::StrCat(absl::FormatDuration(absl::Trunc(d, absl::Milliseconds(100))), " ago");
}

constexpr size_t kEndedKept = 64;

void LogEvent(const ServiceEvent& e) {
  spdlog::info("service '{}': {}{}{}", e.service, ServiceStateName(e.state),
               e.detail.empty() ? "" : ": ", e.detail);
}

}  // namespace

class ChangeManager::Busy {
 public:
  // wait: block until free (the timer); otherwise fail at once with ABORTED.
  Busy(ChangeManager* m, bool wait) : m_(m) {
    absl::MutexLock lock(&m_->mu_);
    if (wait) {
      m_->mu_.Await(absl::Condition(
          +[](bool* busy) { return !*busy; }, &m_->busy_));
    } else if (m_->busy_) {
      status_ = absl::AbortedError("another change is in progress on this server; try again");
      return;
    }
    m_->busy_ = true;
  }
  ~Busy() {
    if (!status_.ok()) return;
    absl::MutexLock lock(&m_->mu_);
    m_->busy_ = false;
  }
  const absl::Status& status() const { return status_; }

 private:
  ChangeManager* m_;
  absl::Status status_;
};

ChangeManager::ChangeManager(HsconfStore* store, ServiceManager* services, std::string pending_path,
                             absl::Duration min_healthy, const Clock* clock)
    : store_(store),
      services_(services),
      pending_file_(std::move(pending_path)),
      min_healthy_(min_healthy),
      clock_(clock),
      alarm_(clock),
      timer_([this] { TimerLoop(); }) {
  if (store_->backups() != nullptr) {
    store_->backups()->set_pinned([this] { return PinnedBackups(); });
  }
}

ChangeManager::~ChangeManager() {
  if (store_->backups() != nullptr) store_->backups()->set_pinned(nullptr);
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  alarm_.Ring();
  timer_.join();
}

std::optional<PendingChange> ChangeManager::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

std::vector<std::string> ChangeManager::PinnedBackups() const {
  std::vector<std::string> ids;
  if (std::optional<PendingChange> p = pending()) ids.push_back(p->backup_id);
  // Also a record whose revert failed (kept on disk for the next start to retry).
  absl::StatusOr<std::optional<PendingChange>> on_disk = pending_file_.Load();
  if (on_disk.ok() && on_disk->has_value()) ids.push_back((*on_disk)->backup_id);
  return ids;
}

void ChangeManager::SetPending(std::optional<PendingChange> change) {
  {
    absl::MutexLock lock(&mu_);
    if (!change.has_value()) held_credentials_.clear();  // gone with the change
    pending_ = std::move(change);
  }
  alarm_.Ring();
}

void ChangeManager::Remember(const std::string& change_id, ChangeStatus status,
                             std::string detail) {
  absl::MutexLock lock(&mu_);
  if (ended_.find(change_id) == ended_.end()) ended_order_.push_back(change_id);
  ended_[change_id] = {status, std::move(detail)};
  while (ended_order_.size() > kEndedKept) {
    ended_.erase(ended_order_.front());
    ended_order_.pop_front();
  }
}

void ChangeManager::set_auto_revert_hook(AutoRevertHook hook) {
  absl::MutexLock lock(&mu_);
  auto_revert_hook_ = std::move(hook);
}

void ChangeManager::ReportAutoRevert(const AutoRevert& revert) const {
  AutoRevertHook hook;
  {
    absl::MutexLock lock(&mu_);
    hook = auto_revert_hook_;
  }
  if (hook) hook(revert);
}

absl::Status ChangeManager::Recover() {
  absl::StatusOr<std::optional<PendingChange>> loaded = pending_file_.Load();
  if (!loaded.ok()) return loaded.status();
  if (!loaded->has_value()) return absl::OkStatus();
  const PendingChange& change = **loaded;
  absl::StatusOr<HsconfDocument> doc = store_->Read();
  if (!doc.ok()) return doc.status();
  if (doc->revision == change.backup_revision) {
    spdlog::warn("pending change {} was never written (the agent stopped before); forgetting it",
                 change.change_id);
    return pending_file_.Remove();
  }
  if (doc->revision != change.revision) {
    spdlog::error(
        "pending change {}: server.hsconf was changed outside osagent (revision {}); "
        "not reverting it",
        change.change_id, doc->revision);
    return pending_file_.Remove();
  }
  // What is left of the window by the wall clock (the only clock that survives the
  // restart), never more than the window; and a whole lease, as if just renewed.
  PendingChange resumed = change;
  absl::Duration left = std::max(change.deadline - clock_->Now(), absl::ZeroDuration());
  if (change.window > absl::ZeroDuration()) left = std::min(left, change.window);
  const absl::Duration now = clock_->Monotonic();
  resumed.confirm_until = now + left;
  if (resumed.has_lease()) resumed.lease_until = now + std::min(resumed.lease, left);
  spdlog::warn("change {} is pending confirmation until {}{}", change.change_id,
               When(change.deadline),
               resumed.has_lease()
                   ? absl::StrCat(", held by a lease of ", absl::FormatDuration(resumed.lease))
                   : "");
  SetPending(resumed);  // the timer reverts it when it ends (at once if it has)
  return absl::OkStatus();
}

absl::Status ChangeManager::RestartAll(const ServiceEventSink& sink, absl::Duration min_healthy) {
  return services_->Control(ServiceAction::kRestart, {},
                            min_healthy > absl::ZeroDuration() ? min_healthy : min_healthy_,
                            [&sink](const ServiceEvent& e) {
                              LogEvent(e);
                              if (sink) sink(e);
                            });
}

std::optional<ToolRun> ChangeManager::RunTool(const ToolRequest& request) const {
  if (tool_ == nullptr) return std::nullopt;
  ToolRun run = tool_->Apply(request);
  if (run.status.ok()) {
    spdlog::info("{}", run.Summary());
  } else {
    spdlog::error("{}: {}", run.Summary(), run.status.message());
  }
  return run;
}

bool ChangeManager::MustRestart(bool requested, const std::string& revision) const {
  if (requested) return true;
  const std::vector<std::string> lagging = services_->RunningOnOtherThan(revision);
  if (lagging.empty()) return false;
  spdlog::warn(
      "{} {} on another server.hsconf than the one restored (revision {}): restarting the "
      "services, which read it only when they start",
      absl::StrJoin(lagging, ", "), lagging.size() == 1 ? "runs" : "run", revision);
  return true;
}

ToolCredentials ChangeManager::HeldCredentials() const {
  absl::MutexLock lock(&mu_);
  return held_credentials_;
}

absl::Status ChangeManager::RevertFailedStep(const SetOutcome& set, absl::string_view what,
                                             const absl::Status& failure, bool restart,
                                             const ToolRequest& tool,
                                             const ServiceEventSink& sink) {
  const std::string reason(what);
  absl::StatusOr<RollbackOutcome> back =
      store_->Rollback({set.backup_id, set.revision, false,
                        absl::StrCat("automatic revert of ", set.change_id, ": ", reason)});
  ReportAutoRevert({set.change_id, set.revision,
                    back.ok() ? back->revision : store_->CurrentRevision(), reason, back.status()});
  if (!back.ok()) {
    return absl::InternalError(
        absl::StrCat(what, " with the new endpoints (", failure.message(),
                     ") and reverting failed too: ", back.status().message()));
  }
  std::string message =
      absl::StrCat("reverted: ", what, " with the new endpoints: ", failure.message(),
                   "; server.hsconf is back at revision ", set.previous_revision, " (backup ",
                   set.backup_id, ")");
  if (std::optional<ToolRun> again = RunTool(tool)) {
    absl::StrAppend(&message, again->status.ok()
                                  ? absl::StrCat("; ", again->Summary(), " on it")
                                  : absl::StrCat("; on it, ", again->status.message()));
  }
  if (MustRestart(restart, back->revision)) {
    if (absl::Status again = RestartAll(sink, absl::ZeroDuration()); !again.ok()) {
      absl::StrAppend(&message,
                      "; restarting with the old endpoints failed too: ", again.message());
    }
  }
  spdlog::error("{}", message);
  return absl::FailedPreconditionError(message);
}

absl::StatusOr<ApplyOutcome> ChangeManager::Apply(ApplyInput input, const ServiceEventSink& sink) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  if (std::optional<PendingChange> p = pending()) {
    return absl::AbortedError(absl::StrCat("change ", p->change_id,
                                           " is pending confirmation until ", When(p->deadline),
                                           "; confirm or roll it back first"));
  }
  if (input.restart_services && services_->Names().empty()) {
    return absl::FailedPreconditionError(
        "restart_services: this agent has no services configured (agent config `services:`)");
  }
  if (tool_ != nullptr) {
    if (absl::Status s = tool_->CheckCredentials(input.tool.credentials); !s.ok()) return s;
  }
  const bool window = input.confirm_within > absl::ZeroDuration();
  PendingChange record;
  if (window) {
    input.set.before_write = [&](const std::string& id, const BackupInfo& backup,
                                 const std::string& revision) {
      record = {id,
                backup.id,
                backup.revision,
                revision,
                clock_->Now() + input.confirm_within,
                input.restart_services,
                input.confirm_within,
                input.lease};
      record.install_service_center = input.tool.install_service_center;
      record.owner = input.owner;
      // Until the services are healthy only the window runs (a restart may take longer
      // than a lease; the client is waiting for this call meanwhile).
      record.confirm_until = clock_->Monotonic() + input.confirm_within;
      return pending_file_.Save(record);
    };
  }
  absl::StatusOr<SetOutcome> set = store_->Set(input.set);
  if (!set.ok()) {
    if (window && !record.change_id.empty()) pending_file_.Remove().IgnoreError();
    return set.status();
  }
  ApplyOutcome out{*set};
  if (set->changes.empty()) return out;  // nothing written: nothing to restart or confirm
  // Visible (Endpoints.Get) while the tool runs and the services restart, so that a client
  // that lost this call can tell the change exists; the timer waits for us (Busy) before
  // acting on it.
  if (window) {
    {
      absl::MutexLock lock(&mu_);
      held_credentials_ = input.tool.credentials;
    }
    SetPending(record);
  }
  // A failed step reverts the change at once, its record with it.
  auto revert = [&](absl::string_view what, const absl::Status& failure, bool restart) {
    if (window) SetPending(std::nullopt);
    absl::Status reverted = RevertFailedStep(*set, what, failure, restart, input.tool, sink);
    if (window) pending_file_.Remove().IgnoreError();
    Remember(set->change_id, ChangeStatus::kReverted, absl::StrCat("reverted: ", what));
    return reverted;
  };
  out.tool_run = RunTool(input.tool);
  if (out.tool_run.has_value() && !out.tool_run->status.ok()) {
    return revert("the Configuration Tool failed", out.tool_run->status, /*restart=*/false);
  }
  if (input.restart_services) {
    const absl::Time t0 = clock_->Now();
    absl::Status restarted = RestartAll(sink, input.min_healthy);
    out.restart_duration = clock_->Now() - t0;
    if (!restarted.ok()) return revert("services failed to start", restarted, /*restart=*/true);
  }
  if (window) {
    // The window and the lease start once healthy.
    record.deadline = clock_->Now() + input.confirm_within;
    const absl::Duration now = clock_->Monotonic();
    record.confirm_until = now + input.confirm_within;
    if (record.has_lease()) record.lease_until = now + input.lease;
    if (absl::Status s = pending_file_.Save(record); !s.ok()) return s;
    SetPending(record);
    out.pending = true;
    out.confirm_deadline = record.deadline;
  }
  return out;
}

std::string ChangeManager::EndReason(const PendingChange& change) const {
  const absl::Duration now = clock_->Monotonic();
  if (change.lease_until <= change.confirm_until) {
    if (change.shortened_to > absl::ZeroDuration()) {
      return absl::StrCat("its lease, shortened to ", absl::FormatDuration(change.shortened_to),
                          " by its owner's last renewal, ended ", Ago(now - change.lease_until));
    }
    return absl::StrCat("its lease of ", absl::FormatDuration(change.lease), " ended ",
                        Ago(now - change.lease_until), " without a renewal");
  }
  return absl::StrCat("not confirmed by ", When(change.deadline), " (its window ended ",
                      Ago(now - change.confirm_until), ")");
}

std::optional<absl::StatusOr<std::string>> ChangeManager::EndedAnswer(
    absl::string_view change_id) const {
  if (change_id.empty()) return std::nullopt;
  absl::MutexLock lock(&mu_);
  auto it = ended_.find(std::string(change_id));
  if (it == ended_.end()) return std::nullopt;
  if (it->second.status == ChangeStatus::kConfirmed) return std::string(change_id);
  return absl::FailedPreconditionError(
      absl::StrCat("change ", change_id, " cannot be confirmed: ", it->second.detail));
}

absl::StatusOr<std::string> ChangeManager::Confirm(absl::string_view change_id) {
  // An ended change is refused even while its revert holds the token.
  std::optional<PendingChange> p = pending();
  if (p.has_value() && (change_id.empty() || change_id == p->change_id) &&
      clock_->Monotonic() >= p->ends()) {
    return absl::FailedPreconditionError(absl::StrCat("change ", p->change_id,
                                                      " cannot be confirmed: ", EndReason(*p),
                                                      "; it is being reverted"));
  }
  // A change already decided (confirmed, or reverted: its revert may still hold the token
  // for a moment) is answered as such, never with "another change is in progress".
  if (!p.has_value() || (!change_id.empty() && change_id != p->change_id)) {
    if (std::optional<absl::StatusOr<std::string>> ended = EndedAnswer(change_id)) return *ended;
  }
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  p = pending();
  if (!p.has_value()) {
    if (std::optional<absl::StatusOr<std::string>> ended = EndedAnswer(change_id)) return *ended;
    return absl::NotFoundError(
        change_id.empty() ? std::string("no change is pending confirmation on this server")
                          : absl::StrCat("change ", change_id, " is not pending on this server"));
  }
  if (!change_id.empty() && change_id != p->change_id) {
    return absl::NotFoundError(
        absl::StrCat("change ", change_id, " is not pending here; ", p->change_id, " is"));
  }
  if (clock_->Monotonic() >= p->ends()) {
    return absl::FailedPreconditionError(absl::StrCat("change ", p->change_id,
                                                      " cannot be confirmed: ", EndReason(*p),
                                                      "; it is being reverted"));
  }
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  SetPending(std::nullopt);
  Remember(p->change_id, ChangeStatus::kConfirmed, "confirmed");
  spdlog::info("change {} confirmed", p->change_id);
  return p->change_id;
}

absl::StatusOr<RenewOutcome> ChangeManager::Renew(absl::string_view change_id, absl::Duration lease,
                                                  absl::string_view owner) {
  RenewOutcome out;
  {
    absl::MutexLock lock(&mu_);
    const absl::Duration now = clock_->Monotonic();
    if (pending_.has_value() && pending_->change_id == change_id) {
      PendingChange& p = *pending_;
      // Another client's Renew could shorten a lease it does not hold (and make the
      // owner's Confirm fail): only the certificate that made the change renews it.
      if (!p.owner.empty() && p.owner != owner) {
        return absl::PermissionDeniedError(
            absl::StrCat("change ", p.change_id, " is held by ", p.owner,
                         "; only the client that made it (the same certificate) may renew it"));
      }
      if (now >= p.ends()) {
        out.status = ChangeStatus::kReverting;
        out.detail = absl::StrCat(EndReason(p), "; it is being reverted");
        return out;
      }
      // Before the services are healthy (lease_until still infinite) only the window runs.
      if (p.has_lease() && p.lease_until != absl::InfiniteDuration()) {
        const absl::Duration length = lease > absl::ZeroDuration() ? lease : p.lease;
        const absl::Duration until = std::min(now + length, p.confirm_until);
        if (until != p.lease_until) {
          const absl::Time wall = clock_->Now();
          out.moved = true;
          out.lease_end_before = wall + (p.lease_until - now);
          out.lease_end_after = wall + (until - now);
        }
        p.shortened_to = length < p.lease ? length : absl::ZeroDuration();
        p.lease_until = until;
      }
      out.status = ChangeStatus::kPending;
      out.revision = p.revision;
      out.lease_remaining = !p.has_lease()                              ? absl::ZeroDuration()
                            : p.lease_until == absl::InfiniteDuration() ? p.lease
                                                                        : p.lease_until - now;
      out.confirm_remaining = p.confirm_until - now;
    } else {
      auto it = ended_.find(std::string(change_id));
      if (it != ended_.end()) {
        out.status = it->second.status;
        out.detail = it->second.detail;
        return out;
      }
      out.detail =
          absl::StrCat("change ", change_id, " is not known to this agent",
                       pending_.has_value() ? absl::StrCat("; ", pending_->change_id, " is pending")
                                            : std::string());
      return out;
    }
  }
  // An extended lease costs the timer no wake-up (it finds the later end when it wakes at
  // the earlier one); an earlier end must wake it, or the revert would wait for the old one.
  if (out.moved && out.lease_end_after < out.lease_end_before) alarm_.Ring();
  return out;
}

absl::StatusOr<RevertOutcome> ChangeManager::Revert(const PendingChange& change,
                                                    absl::string_view reason, bool restart,
                                                    const ToolRequest& tool) {
  ToolRequest again = tool;
  if (again.credentials.empty()) again.credentials = HeldCredentials();
  again.install_service_center = tool.install_service_center || change.install_service_center;
  absl::StatusOr<RollbackOutcome> back =
      store_->Rollback({change.backup_id, change.revision, false,
                        absl::StrCat("revert of ", change.change_id, ": ", reason)});
  if (!back.ok()) return back.status();
  if (absl::Status s = pending_file_.Remove(); !s.ok()) return s;
  SetPending(std::nullopt);
  Remember(change.change_id, ChangeStatus::kReverted, absl::StrCat("reverted: ", reason));
  spdlog::warn("change {} reverted ({}): revision {} -> {}", change.change_id, reason,
               back->previous_revision, back->revision);
  RevertOutcome out{*back, change.change_id, RunTool(again)};
  if (MustRestart(restart, back->revision)) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("reverted ", change.change_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<RevertOutcome> ChangeManager::RevertPending(bool restart, absl::string_view reason,
                                                           const ToolRequest& tool,
                                                           absl::string_view change_id) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!change_id.empty() && (!p.has_value() || p->change_id != change_id)) {
    return NotThePending(change_id, p);
  }
  if (!p.has_value()) {
    return absl::FailedPreconditionError(
        "nothing is pending confirmation on this server; name a backup_id (see ListBackups)");
  }
  return Revert(*p, reason.empty() ? "rolled back by request" : reason,
                restart || p->restart_services, tool);
}

absl::Status ChangeManager::NotThePending(absl::string_view change_id,
                                          const std::optional<PendingChange>& pending) const {
  {
    absl::MutexLock lock(&mu_);
    auto it = ended_.find(std::string(change_id));
    if (it != ended_.end()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "change ", change_id, " is no longer pending: ", it->second.detail,
          it->second.status == ChangeStatus::kConfirmed ? " (restore its backup to undo it)"
                                                        : ""));
    }
  }
  if (pending.has_value()) {
    return absl::FailedPreconditionError(
        absl::StrCat("change ", change_id, " is not pending here; ", pending->change_id,
                     " is (another client's change: not reverted)"));
  }
  return absl::NotFoundError(
      absl::StrCat("change ", change_id, " is not pending here; nothing is pending"));
}

absl::StatusOr<RevertOutcome> ChangeManager::Restore(const RollbackInput& input, bool restart,
                                                     const ToolRequest& tool) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  if (tool_ != nullptr) {
    if (absl::Status s = tool_->CheckCredentials(tool.credentials); !s.ok()) return s;
  }
  absl::StatusOr<RollbackOutcome> back = store_->Rollback(input);
  if (!back.ok()) return back.status();
  RevertOutcome out{*back, "", std::nullopt};
  ToolRequest run = tool;
  if (std::optional<PendingChange> p = pending()) {
    out.reverted_change_id = p->change_id;
    // It reverts that change too: as its own revert would.
    run.install_service_center = run.install_service_center || p->install_service_center;
    pending_file_.Remove().IgnoreError();
    SetPending(std::nullopt);
    Remember(p->change_id, ChangeStatus::kReverted,
             absl::StrCat("reverted: superseded by a restore of backup ", input.backup_id));
  }
  out.tool_run = RunTool(run);
  if (MustRestart(restart, back->revision)) {
    if (absl::Status s = RestartAll(nullptr, absl::ZeroDuration()); !s.ok()) {
      return absl::Status(s.code(),
                          absl::StrCat("restored backup ", input.backup_id,
                                       ", but the services did not restart: ", s.message()));
    }
  }
  return out;
}

absl::StatusOr<ApplyOutcome> ChangeManager::RestartPending(absl::string_view change_id,
                                                           absl::Duration min_healthy,
                                                           const ServiceEventSink& sink) {
  Busy busy(this, /*wait=*/false);
  if (!busy.status().ok()) return busy.status();
  std::optional<PendingChange> p = pending();
  if (!p.has_value() || p->change_id != change_id) {
    return absl::NotFoundError(
        absl::StrCat("change ", change_id, " is not pending on this server",
                     p.has_value() ? absl::StrCat("; ", p->change_id, " is") : std::string()));
  }
  if (clock_->Monotonic() >= p->ends()) {
    return absl::FailedPreconditionError(absl::StrCat("change ", p->change_id,
                                                      " cannot be restarted: ", EndReason(*p),
                                                      "; it is being reverted"));
  }
  if (services_->Names().empty()) {
    return absl::FailedPreconditionError(
        "restart: this agent has no services configured (agent config `services:`)");
  }
  ApplyOutcome out;
  out.set = {p->change_id, p->backup_revision, p->revision, {}, p->backup_id, {}};
  out.pending = true;
  out.confirm_deadline = p->deadline;
  const absl::Time t0 = clock_->Now();
  absl::Status restarted = RestartAll(sink, min_healthy);
  out.restart_duration = clock_->Now() - t0;
  if (restarted.ok()) return out;
  const ToolRequest tool{p->install_service_center, HeldCredentials()};  // as the change ran
  SetPending(std::nullopt);
  absl::Status reverted = RevertFailedStep(out.set, "services failed to start", restarted,
                                           /*restart=*/true, tool, sink);
  pending_file_.Remove().IgnoreError();
  Remember(p->change_id, ChangeStatus::kReverted, "reverted: services failed to start");
  return reverted;
}

void ChangeManager::TimerLoop() {
  for (;;) {
    std::optional<PendingChange> change;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
      change = pending_;
    }
    if (!change.has_value() || clock_->Monotonic() < change->ends()) {
      alarm_.WaitUntil(change.has_value() ? change->ends() : absl::InfiniteDuration());
      continue;  // rung (a change came or went), or due: look again
    }
    AutoRevert report;
    {
      Busy busy(this, /*wait=*/true);
      std::optional<PendingChange> now = pending();
      // Confirmed, superseded or renewed while we waited for the token: look again.
      if (!now.has_value() || now->change_id != change->change_id ||
          clock_->Monotonic() < now->ends()) {
        continue;
      }
      report = RevertEnded(*now);
    }
    // Once the token is free: whoever hears of the revert may change the file at once.
    ReportAutoRevert(report);
  }
}

AutoRevert ChangeManager::RevertEnded(const PendingChange& change) {
  const std::string reason = EndReason(change);
  absl::StatusOr<RevertOutcome> r = Revert(change, reason, change.restart_services, {});
  AutoRevert report{change.change_id, change.revision,
                    r.ok() ? r->rollback.revision : store_->CurrentRevision(), reason, r.status()};
  if (!r.ok()) {
    // Not retried in a loop: the record stays on disk, so the next start retries.
    spdlog::error("automatic revert of {} failed: {}", change.change_id, r.status().message());
    SetPending(std::nullopt);
    Remember(change.change_id, ChangeStatus::kReverting,
             absl::StrCat(reason, "; reverting it failed (", r.status().message(),
                          "); the agent retries when it starts again"));
  }
  return report;
}

}  // namespace osfleet::agent
